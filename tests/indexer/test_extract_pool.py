"""ExtractorPool: long-lived, isolated extraction children."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from indexer.extract import ExtractorPool, Messages, Status, extract_in_process
from indexer.extract.parsers import DocumentParser
from tests import samples
from tests.indexer.extract_helpers import ELF, CrashingParser, ForeverParser, HungryParser, process_gone, spec

HOSTILE_LIMIT_S = 60


class PidParser(DocumentParser):
    """Test-only parser: reports which child ran it."""

    def parse(self, path, mime_type):
        self.text.add(str(os.getpid()))


class RendezvousParser(DocumentParser):
    """Test-only parser: waits until two children run it at once, so both children exist."""

    def parse(self, path, mime_type):
        Path(f"{path}.{os.getpid()}").touch()
        deadline = time.monotonic() + 20
        while len(list(Path(path).parent.glob(Path(path).name + ".*"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        self.text.add(str(os.getpid()))


class NoisyParser(DocumentParser):
    """Test-only parser: writes to stdout every way a library or a subprocess could."""

    def parse(self, path, mime_type):
        print('{"status": "failed", "error": "falso"}')
        sys.stdout.flush()
        os.write(1, b"basura sin fin de linea")
        subprocess.run(["echo", "ruido de un subproceso"], check=True)
        self.text.add("texto limpio")


@pytest.fixture
def text_pdf(tmp_path):
    return samples.make_text_pdf(tmp_path / "minuta.pdf", samples.MINUTES_TEXT)


def pid_of(pool: ExtractorPool, path) -> int:
    result = pool.extract(path, parser=spec(PidParser))
    assert result.status == Status.EXTRACTED, result
    return int(result.text)


def assert_still_works(pool: ExtractorPool, path) -> None:
    result = pool.extract(path)
    assert result.status == Status.EXTRACTED
    assert "padrón de beneficiarios" in result.text


def wait_gone(pid: int, seconds: float = 5) -> bool:
    deadline = time.monotonic() + seconds
    while not process_gone(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return process_gone(pid)


@pytest.mark.parametrize(
    "make",
    [
        lambda p: samples.make_text_pdf(p / "minuta.pdf", samples.MINUTES_TEXT),
        lambda p: samples.make_docx(p / "minuta.docx", [samples.MINUTES_TEXT], table_rows=[["Nombre"], ["Ana"]],
                                    header="Gobierno Abierto", footer="folio"),
        lambda p: samples.make_text_file(p / "acta.txt", "Acta: año fiscal, señalética", "cp1252"),
        lambda p: samples.make_photo(p / "foto.jpg", samples.PHOTO_TEXT, dt.datetime(2024, 3, 15, 10, 30)),
    ],
    ids=["pdf", "docx", "txt", "photo-ocr"],
)
def test_results_equal_an_extraction_in_process(extractor_pool, tmp_path, make):
    path = make(tmp_path)
    result = extractor_pool.extract(path)
    assert result.ok and result.text
    assert result == extract_in_process(path)


def test_ocr_can_be_turned_off(extractor_pool, tmp_path):
    path = samples.make_scanned_pdf(tmp_path / "lista.pdf", samples.ATTENDANCE_TEXT)
    result = extractor_pool.extract(path, ocr=False)
    assert (result.status, result.text) == (Status.EMPTY, "")
    assert result == extract_in_process(path, ocr=False)


def test_many_calls_from_four_threads_share_two_children(tmp_path):
    expected = {}
    for i in range(12):
        expected[samples.make_text_pdf(tmp_path / f"minuta{i}.pdf", f"Minuta folio {i}")] = f"Minuta folio {i}"
        expected[samples.make_text_file(tmp_path / f"acta{i}.txt", f"Acta folio {i}")] = f"Acta folio {i}"
        expected[samples.make_docx(tmp_path / f"minuta{i}.docx", [f"Oficio folio {i}"])] = f"Oficio folio {i}"
    probe = samples.make_text_file(tmp_path / "sonda.txt", "sonda")
    with ExtractorPool(2) as pool, concurrent.futures.ThreadPoolExecutor(4) as threads:
        results = list(threads.map(pool.extract, expected))
        pids = set(threads.map(lambda _: pid_of(pool, probe), range(16)))
    for (path, text), result in zip(expected.items(), results):
        assert result.ok, (path, result)
        assert result.text == text, (path, result.text)
    assert 1 <= len(pids) <= 2


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: samples.make_elf_as_pdf(p / "programa.pdf"), Messages.UNSUPPORTED.format(mime=ELF)),
        (lambda p: samples.make_pdf_flate_bomb(p / "bomba.pdf"), Messages.LIMITS),
        (lambda p: p / "no-existe.pdf", Messages.NOT_FOUND),
    ],
    ids=["elf-named-pdf", "pdf-flate-bomb", "missing-file"],
)
def test_hostile_inputs_fail_clearly_and_the_child_keeps_serving(tmp_path, text_pdf, make, message):
    with ExtractorPool(1, timeout=HOSTILE_LIMIT_S) as pool:
        result = pool.extract(make(tmp_path))
        assert (result.status, result.error) == (Status.FAILED, message)
        assert_still_works(pool, text_pdf)


def test_runaway_child_is_killed_with_its_subprocesses_and_replaced(text_pdf):
    with ExtractorPool(1, timeout=3) as pool:
        started = time.monotonic()
        result = pool.extract(text_pdf, parser=spec(ForeverParser))
        elapsed = time.monotonic() - started
        assert (result.status, result.error) == (Status.FAILED, Messages.TIMEOUT)
        assert 3 <= elapsed < 15
        assert wait_gone(int(Path(str(text_pdf) + ".pid").read_text())), "the grandchild outlived the timeout"
        assert_still_works(pool, text_pdf)


def test_crashed_child_is_replaced(text_pdf):
    with ExtractorPool(1) as pool:
        before = pid_of(pool, text_pdf)
        result = pool.extract(text_pdf, parser=spec(CrashingParser))
        assert (result.status, result.error) == (Status.FAILED, Messages.CRASHED)
        assert wait_gone(before)
        assert pid_of(pool, text_pdf) != before
        assert_still_works(pool, text_pdf)


def test_memory_limit_gives_a_clear_failure_and_a_fresh_child(text_pdf):
    with ExtractorPool(1, memory_mb=512, timeout=HOSTILE_LIMIT_S) as pool:
        before = pid_of(pool, text_pdf)
        result = pool.extract(text_pdf, parser=spec(HungryParser))
        assert (result.status, result.error) == (Status.FAILED, Messages.MEMORY)
        assert pid_of(pool, text_pdf) != before
        assert_still_works(pool, text_pdf)


def test_stdout_noise_cannot_corrupt_the_protocol(text_pdf):
    with ExtractorPool(1) as pool:
        result = pool.extract(text_pdf, parser=spec(NoisyParser))
        assert (result.status, result.text) == (Status.EXTRACTED, "texto limpio")
        assert_still_works(pool, text_pdf)


def test_child_that_died_while_idle_is_replaced_without_failing_the_request(text_pdf):
    with ExtractorPool(1) as pool:
        before = pid_of(pool, text_pdf)
        os.kill(before, signal.SIGKILL)
        assert wait_gone(before)
        assert_still_works(pool, text_pdf)
        assert pid_of(pool, text_pdf) != before


def test_child_is_recycled_after_max_tasks(text_pdf):
    with ExtractorPool(1, max_tasks_per_child=3) as pool:
        pids = [pid_of(pool, text_pdf) for _ in range(7)]
    assert pids[0] == pids[1] == pids[2]
    assert pids[3] == pids[4] == pids[5]
    assert len({pids[0], pids[3], pids[6]}) == 3
    assert all(wait_gone(pid) for pid in set(pids))


def test_close_leaves_no_child_processes(tmp_path):
    path = samples.make_text_file(tmp_path / "cita.txt", "cita")
    pool = ExtractorPool(2)
    with concurrent.futures.ThreadPoolExecutor(2) as threads:
        results = list(threads.map(lambda _: pool.extract(path, parser=spec(RendezvousParser)), range(2)))
    pids = {int(result.text) for result in results}
    assert len(pids) == 2
    assert all(os.getsid(pid) == pid for pid in pids), "children must run in their own session"
    pool.close()
    assert all(process_gone(pid) for pid in pids)
    with pytest.raises(RuntimeError):
        pool.extract(path)
    pool.close()


def test_pool_starts_children_lazily(tmp_path):
    children_before = _children_of_this_process()
    with ExtractorPool(4) as pool:
        assert _children_of_this_process() == children_before
        pid = pid_of(pool, samples.make_text_file(tmp_path / "nota.txt", "nota"))
        assert _children_of_this_process() == children_before | {pid}
    assert _children_of_this_process() == children_before


def _children_of_this_process() -> set[int]:
    children = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            if int(fields[1]) == os.getpid() and fields[0] not in ("Z", "X"):
                children.add(int(entry.name))
    return children
