"""The shape the indexer package promises: small modules, plain values, no web app."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INDEXER = ROOT / "indexer"
MAX_LINES = 500


def _modules():
    return sorted(INDEXER.rglob("*.py"))


def test_no_module_is_over_the_size_limit():
    long = {str(p.relative_to(ROOT)): n for p in _modules() if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}


def test_indexer_never_imports_the_web_app():
    offenders = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] == "evidence_repo"]
    assert offenders == []


def test_the_contract_loads_no_search_engine():
    code = "import sys, indexer; print(sorted(m for m in sys.modules if m.split('.')[0] == 'whoosh'))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
