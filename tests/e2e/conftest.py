"""Browser tests: the real `evidence-repo serve` (waitress) in a subprocess, driven by Debian's Chromium."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.conftest import DATABASES
from tests.helpers import PASSWORD

BIN = Path(sys.executable).parent
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@dataclass
class LiveServer:
    url: str
    data_dir: Path
    env: dict
    token: str = ""

    def upload(self, path: Path, **fields: str) -> dict:
        """Upload through the API the way a staff script does."""
        import json
        import uuid

        boundary = uuid.uuid4().hex
        body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                        for k, v in fields.items())
        body += (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n\r\n'
                 ).encode() + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
        request = urllib.request.Request(self.url + "/api/v1/evidence", data=body, method="POST", headers={
            "Authorization": f"Bearer {self.token}", "Content-Type": f"multipart/form-data; boundary={boundary}"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    def wait_until_processed(self, evidence_id: int, timeout: float = 60) -> dict:
        import json

        deadline = time.monotonic() + timeout
        while True:
            with urllib.request.urlopen(f"{self.url}/api/v1/evidence/{evidence_id}?", timeout=10) as response:
                data = json.loads(response.read())
            if data["text_status"] != "pending" or time.monotonic() > deadline:
                return data
            time.sleep(0.2)

    def cli(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([str(BIN / "evidence-repo"), *args], env=self.env, input=input, text=True,
                              capture_output=True, timeout=120, check=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module", params=DATABASES)
def live_server(request, tmp_path_factory):
    """The real server on each test database (``EVIDENCE_REPO_TEST_DATABASES``): on PostgreSQL it also searches
    with the PostgreSQL backend, so every journey runs on both modes."""
    yield from run_server(request, tmp_path_factory)


def run_server(request, tmp_path_factory, **extra_env: str):
    """Initialise a data folder (on ``request.param``'s database) with a staff and a committee account and serve
    it until the generator is closed; ``extra_env`` adds settings (e.g. SMTP to a sink)."""
    data = tmp_path_factory.mktemp("live") / "data"
    # One browser makes every request of a module's journeys: the per-address limits are not under test here.
    env = {**os.environ, "EVIDENCE_REPO_DATA": str(data), "EVIDENCE_REPO_SEARCH_LIMIT": "",
           "EVIDENCE_REPO_REPORT_LIMIT": "", **extra_env}
    env.pop("DATABASE_URL", None)
    database = None
    if request.param == "postgres":
        cluster = request.getfixturevalue("postgres_cluster")
        database = env["DATABASE_URL"] = cluster.create_database(prefix="e2e")
    port = _free_port()
    server = LiveServer(f"http://127.0.0.1:{port}", data, env)
    server.cli("init")
    server.cli("user", "add", "staff@jalisco.gob.mx", "--role", "staff", "--password-stdin", input=PASSWORD + "\n")
    server.cli("user", "add", "comite@jalisco.gob.mx", "--role", "committee", "--password-stdin", input=PASSWORD + "\n")
    server.token = server.cli("token", "create", "staff@jalisco.gob.mx").stdout.strip()
    log = open(data / "server.log", "w")
    proc = subprocess.Popen([str(BIN / "evidence-repo"), "serve", "--port", str(port)], env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(server.url + "/", timeout=2)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("server did not start: " + (data / "server.log").read_text()) from None
            time.sleep(0.2)
    yield server
    proc.terminate()
    proc.wait(timeout=20)
    log.close()
    if database is not None:
        cluster.drop_database(database)


@pytest.fixture(scope="session")
def browser():
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    assert executable, "Debian's chromium is required for browser tests: run `make test`, which installs it"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(locale="es-MX", viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    yield pg
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        out = Path("screenshots")
        out.mkdir(exist_ok=True)
        pg.screenshot(path=str(out / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
