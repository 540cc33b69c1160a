"""The production layout under load and faults: 2 `serve --no-worker` + 2 `worker` processes on PostgreSQL.

8 uploaders send 50 mixed files each while 4 citizens search, against both web processes; one worker is killed
with SIGKILL while it extracts a scan (holding claimed tasks) and one web process while uploads are arriving.
Afterwards every task is done exactly once (the workers log what they finish), the killed worker's tasks were
finished by the other one after its lease, nothing any uploader was told was saved is missing, no request but
those to the killed process failed, and `evidence-repo check` finds database = files = index. Runs in
`make test` (PostgreSQL half); about a minute.
"""
from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests import samples
from tests.helpers import PASSWORD

pytestmark = pytest.mark.databases("postgres")  # the PostgreSQL half of the suite only
BIN = Path(sys.executable).parent
UPLOADERS, FILES_EACH, SEARCHERS = 8, 50, 4  # the figures: 8 uploaders x 50 mixed files, 4 citizens
LEASE = 4


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post_file(base: str, token: str, path: Path, **fields: str) -> int:
    boundary = uuid.uuid4().hex
    body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                    for k, v in fields.items())
    body += (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n\r\n'
             ).encode() + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(base + "/api/v1/evidence", data=body, method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())["id"]


class Deployment:
    def __init__(self, tmp: Path, url: str):
        self.data = tmp / "data"
        self.env = {**os.environ, "DATABASE_URL": url, "EVIDENCE_REPO_DATA": str(self.data),
                    "SECRET_KEY": "clave-de-la-prueba-de-carga", "EVIDENCE_REPO_INDEX_LEASE_SECONDS": str(LEASE),
                    "EVIDENCE_REPO_EXTRACT_WORKERS": "1",
                    # the searchers all come from 127.0.0.1: one address, far more than a citizen's share
                    "EVIDENCE_REPO_SEARCH_LIMIT": "", "EVIDENCE_REPO_REPORT_LIMIT": ""}
        self.logs = tmp
        self.procs: dict[str, subprocess.Popen] = {}
        self.webs: dict[str, str] = {}

    def cli(self, *args: str, input: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([str(BIN / "evidence-repo"), *args], env=self.env, input=input, text=True,
                              capture_output=True, timeout=300, check=check)

    def start(self, name: str, *args: str) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "w")
        proc = subprocess.Popen([str(BIN / "evidence-repo"), *args], env=self.env, stdout=log,
                                stderr=subprocess.STDOUT)
        self.procs[name] = proc
        return proc

    def start_web(self, name: str) -> None:
        port = free_port()
        proc = self.start(name, "serve", "--no-worker", "--port", str(port))
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/", timeout=2)
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, (self.logs / f"{name}.log").read_text()
                time.sleep(0.2)
        self.webs[name] = base

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture
def deployment(tmp_path, postgres_url):
    d = Deployment(tmp_path, postgres_url)
    d.cli("init")
    d.cli("user", "add", "carga@jalisco.gob.mx", "--role", "staff", "--password-stdin", input=PASSWORD + "\n")
    d.token = d.cli("token", "create", "carga@jalisco.gob.mx").stdout.strip()
    yield d
    d.stop()


def make_files(folder: Path, who: int) -> list[Path]:
    """What a secretariat uploads after a round of sessions: scanned minutes (OCR, a second or more each, so a
    worker is killed mid-extraction), minutes and reports in PDF and Word, attendance lists, slides, notes. Each
    holds a word of its own (its name)."""
    folder.mkdir()
    files = []
    for n in range(FILES_EACH):
        word = f"expediente{who}x{n}"
        kind = n % 6
        if kind == 0:
            files.append(samples.make_scanned_pdf(folder / f"{word}.pdf", f"Acta escaneada {word}"))
        elif kind == 1:
            files.append(samples.make_docx(folder / f"{word}.docx", [f"Relatoría {word} de la mesa"]))
        elif kind == 2:
            files.append(samples.make_text_pdf(folder / f"{word}.pdf", f"Informe {word} del trimestre"))
        elif kind == 3:
            files.append(samples.make_xlsx(folder / f"{word}.xlsx", [("Nombre", "Firma"), (word, "firmado")]))
        elif kind == 4:
            files.append(samples.make_pptx(folder / f"{word}.pptx", [(f"Presentación {word}", "Avances")]))
        else:
            samples.make_text_file(folder / f"{word}.txt", f"Notas {word} de la sesión")
            files.append(folder / f"{word}.txt")
    return [f for f in files if f.exists()]


def test_two_web_and_two_worker_processes_survive_load_and_kills(deployment, tmp_path):
    d = deployment
    engine = create_engine(d.env["DATABASE_URL"])
    d.start_web("web1")
    d.start_web("web2")
    workers = {name: d.start(name, "worker", "--poll", "0.2") for name in ("worker1", "worker2")}
    folders = [make_files(tmp_path / f"up{i}", i) for i in range(UPLOADERS)]

    saved: list[int] = []
    words: list[str] = []  # a word each saved file contains (its name)
    refused: list[str] = []  # requests that died with the killed web process
    server_errors: list[str] = []
    lock = threading.Lock()
    uploads_done = threading.Event()
    web2_killed = threading.Event()

    def uploader(i: int) -> None:
        for n, path in enumerate(folders[i]):
            base = d.webs["web2"] if (n + i) % 2 and not web2_killed.is_set() else d.webs["web1"]
            try:
                evidence_id = post_file(base, d.token, path, milestone="3", means="minuta")
            except urllib.error.HTTPError as exc:
                with lock:
                    (server_errors if exc.code >= 500 else refused).append(f"{path.name}: {exc.code}")
                continue
            except (OSError, http.client.HTTPException) as exc:  # refused or dropped by the killed process
                with lock:
                    refused.append(f"{path.name}: {exc}")
                continue
            with lock:
                saved.append(evidence_id)
                words.append(path.stem)

    def searcher() -> None:
        while not uploads_done.is_set():
            for base in list(d.webs.values()):
                if base == d.webs["web2"] and web2_killed.is_set():
                    continue
                try:
                    urllib.request.urlopen(base + "/api/v1/search?q=expediente", timeout=30).read()
                    urllib.request.urlopen(base + "/buscar?q=acta", timeout=30).read()
                except urllib.error.HTTPError as exc:
                    if exc.code >= 500:
                        with lock:
                            server_errors.append(f"search {exc.code}")
                except (OSError, http.client.HTTPException):  # the killed web process dropped the answer
                    pass
            time.sleep(0.1)

    threads = [threading.Thread(target=uploader, args=(i,)) for i in range(UPLOADERS)]
    threads += [threading.Thread(target=searcher) for _ in range(SEARCHERS)]
    for t in threads:
        t.start()

    # kill -9 one web process while uploads are arriving (after the first few were saved)
    deadline = time.monotonic() + 60
    while len(saved) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    d.procs["web2"].send_signal(signal.SIGKILL)
    web2_killed.set()
    # and kill -9 worker1 once both workers have finished tasks side by side (a batch or more each), while it
    # extracts a scan
    pid = workers["worker1"].pid

    def finished(worker_pid: int) -> int:
        with engine.connect() as conn:
            return conn.scalar(text("SELECT count(*) FROM index_task WHERE done_at IS NOT NULL AND claimed_by LIKE :p"),
                               {"p": f"%:{worker_pid}:%"})

    def extracting_a_scan() -> bool:
        """worker1 holds an unfinished task whose file is a scan still being read (OCR: a second or more)."""
        with engine.connect() as conn:
            names = conn.scalars(text(
                "SELECT f.original_name FROM index_task t JOIN evidence_file f ON f.evidence_id = t.evidence_id "
                "WHERE t.done_at IS NULL AND t.claimed_by LIKE :p AND f.text_status = 'pending'"), {"p": f"%:{pid}:%"})
            return any(int(Path(name).stem.rpartition("x")[2]) % 6 == 0 for name in names)

    deadline = time.monotonic() + 180
    while not (finished(pid) >= 50 and finished(workers["worker2"].pid) >= 50 and extracting_a_scan()):
        assert time.monotonic() < deadline, "the two workers never both finished tasks"
        time.sleep(0.05)
    workers["worker1"].send_signal(signal.SIGKILL)
    workers["worker1"].wait(30)
    with engine.connect() as conn:  # what it died holding
        held = list(conn.scalars(text("SELECT id FROM index_task WHERE done_at IS NULL AND claimed_by LIKE :p"),
                                 {"p": f"%:{pid}:%"}))
    assert held, "worker1 was not killed mid-extraction"

    for t in threads[:UPLOADERS]:
        t.join(300)
    uploads_done.set()
    for t in threads[UPLOADERS:]:
        t.join(60)

    deadline = time.monotonic() + 240
    while True:
        with engine.connect() as conn:
            pending = conn.scalar(text("SELECT count(*) FROM index_task WHERE done_at IS NULL"))
        if not pending or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert pending == 0, "the surviving worker did not drain the queue"

    with engine.connect() as conn:
        evidence = set(conn.scalars(text("SELECT id FROM evidence")))
        finished_by = dict(conn.execute(text("SELECT id, claimed_by FROM index_task WHERE id = ANY(:ids)"),
                                        {"ids": held}).all())
        statuses = dict(conn.execute(text("SELECT text_status, count(*) FROM evidence_file GROUP BY 1")).all())
        tasks = set(conn.scalars(text("SELECT id FROM index_task")))
    engine.dispose()
    print(f"saved {len(saved)}, refused by the killed web process {len(refused)}, worker1 held {len(held)} tasks")
    assert server_errors == []
    assert set(saved) <= evidence and len(saved) + len(refused) == UPLOADERS * FILES_EACH
    assert len(saved) >= UPLOADERS * FILES_EACH // 2  # only requests to the killed web process may fail
    # the killed worker's tasks were taken over after its lease and finished by the other worker
    assert all(f":{pid}:" not in (by or "") for by in finished_by.values()), finished_by
    assert set(statuses) <= {"extracted", "ocr"}, statuses  # nothing left pending or failed
    # every task was done exactly once: each worker logs the tasks it finished, batch by batch
    done = Counter(int(task) for name in ("worker1", "worker2")
                   for batch in re.findall(r": \d+ index task\(s\) done: ([\d,]+)", (d.logs / f"{name}.log").read_text())
                   for task in batch.split(","))
    assert set(done) == tasks and len(tasks) >= len(saved)
    assert [task for task, times in done.items() if times > 1] == [], "tasks done twice"
    check = d.cli("check", check=False)
    assert check.returncode == 0 and "Resultado: todo en orden" in check.stdout, check.stdout + check.stderr
    # saved files of every kind are searchable by their content through the surviving web process
    sample = [w for w in words if int(w.rpartition("x")[2]) < 12]
    assert {int(w.rpartition("x")[2]) % 6 for w in sample} == set(range(6))
    for word in sample:
        found = json.loads(urllib.request.urlopen(d.webs["web1"] + f"/api/v1/search?q={word}").read())
        assert found["total"] == 1, word
