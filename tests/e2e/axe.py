"""axe-core in the page: the WCAG 2.1 A/AA violations a page state has, as readable lines (empty = none).

axe-core comes from the npm registry (package.json; `make test` installs it into node_modules/)."""
from __future__ import annotations

from pathlib import Path

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def violations(page) -> list[str]:
    assert AXE_JS.exists(), f"axe-core is missing ({AXE_JS}): run `make test`, which installs it with npm"
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE_JS.read_text())
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    return [f"{v['id']}: {v['help']} — " + "; ".join(" ".join(n["target"]) for n in v["nodes"][:5])
            for v in result["violations"]]
