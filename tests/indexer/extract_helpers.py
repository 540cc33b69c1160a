"""Test-only parsers and process helpers for the extraction tests.

Not a test module: the children of an ExtractorPool import these parsers by
name ('tests.indexer.extract_helpers:ForeverParser').
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from indexer.extract.parsers import DocumentParser

ELF = "application/x-executable"


def spec(parser_class: type) -> str:
    return f"{parser_class.__module__}:{parser_class.__name__}"


class ForeverParser(DocumentParser):
    """Test-only parser: starts a grandchild (as Tesseract would), records its pid and spins forever."""

    def parse(self, path, mime_type):
        helper = subprocess.Popen(["sleep", "600"])
        Path(path + ".pid").write_text(str(helper.pid))
        while True:
            pass


class CrashingParser(DocumentParser):
    """Test-only parser: dies the way a native library crash would."""

    def parse(self, path, mime_type):
        os.kill(os.getpid(), signal.SIGSEGV)


class HungryParser(DocumentParser):
    """Test-only parser: asks for far more memory than the child is allowed."""

    def parse(self, path, mime_type):
        self.text.add(str(len(bytearray(3 * 1024**3))))


def process_gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")
