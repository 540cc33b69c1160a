"""Several web processes share the per-address limits and the login lockout when the limits storage is shared
(``EVIDENCE_REPO_RATELIMIT_STORAGE=memcached://…``): N processes do not allow N times the attempts."""
from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import PASSWORD
from tests.test_deployment import free_port

BIN = Path(sys.executable).parent


def wait_for_port(port: int, proc: subprocess.Popen, log: Path) -> None:
    import socket

    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text() if log.exists() else ""
            time.sleep(0.1)


@pytest.fixture(scope="module")
def webs(tmp_path_factory):
    """Two `serve --no-worker` processes on one data folder, their limits kept in one memcached."""
    memcached = shutil.which("memcached") or "/usr/bin/memcached"
    assert os.path.exists(memcached), "memcached is a test dependency: `make test` installs it"
    tmp = tmp_path_factory.mktemp("shared-limits")
    cache_port = free_port()
    procs = [subprocess.Popen([memcached, "-l", "127.0.0.1", "-p", str(cache_port), "-U", "0", "-u", "nobody"])]
    wait_for_port(cache_port, procs[0], tmp / "none")
    env = {**os.environ, "EVIDENCE_REPO_DATA": str(tmp / "data"),
           "EVIDENCE_REPO_RATELIMIT_STORAGE": f"memcached://127.0.0.1:{cache_port}",
           "EVIDENCE_REPO_SEARCH_LIMIT": "6 per minute", "EVIDENCE_REPO_LOGIN_MAX_FAILURES": "4"}
    env.pop("DATABASE_URL", None)
    subprocess.run([str(BIN / "evidence-repo"), "init"], env=env, check=True, capture_output=True, timeout=120)
    subprocess.run([str(BIN / "evidence-repo"), "user", "add", "ana@jalisco.gob.mx", "--role", "staff",
                    "--password-stdin"], env=env, input=PASSWORD + "\n", text=True, check=True, capture_output=True,
                   timeout=120)
    bases = []
    for n in range(2):
        port = free_port()
        log = tmp / f"web{n}.log"
        proc = subprocess.Popen([str(BIN / "evidence-repo"), "serve", "--no-worker", "--port", str(port)], env=env,
                                stdout=open(log, "w"), stderr=subprocess.STDOUT)
        procs.append(proc)
        wait_for_port(port, proc, log)
        bases.append(f"http://127.0.0.1:{port}")
    yield bases
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=30)


def status(url: str, data: dict | None = None, opener=None) -> tuple[int, str]:
    opener = opener or urllib.request.build_opener()
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        with opener.open(url, data=body, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def sign_in(base: str, email: str, password: str) -> tuple[int, str]:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    _, form = status(base + "/ingresar", opener=opener)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)
    assert token, form[:500]
    return status(base + "/ingresar", {"csrf_token": token.group(1), "email": email, "password": password}, opener)


def test_failed_sign_ins_on_either_process_lock_the_account_on_both(webs):
    one, two = webs
    answers = [sign_in(base, "ana@jalisco.gob.mx", "no-es-la-clave")[0] for base in (one, two, one)]
    assert answers == [401, 401, 401]
    code, page = sign_in(two, "ana@jalisco.gob.mx", "no-es-la-clave")  # the 4th failure, counted across both
    assert code == 429 and "Demasiados intentos fallidos" in page
    code, page = sign_in(one, "ana@jalisco.gob.mx", PASSWORD)  # even the right password waits on the other
    assert code == 429


def test_the_search_limit_counts_requests_to_both_processes(webs):
    one, two = webs
    codes = [status(f"{base}/buscar?q=minuta{n}")[0] for n, base in enumerate([one, two] * 3)]
    assert codes == [200] * 6
    assert status(f"{one}/buscar?q=otra")[0] == 429 and status(f"{two}/buscar?q=otra")[0] == 429
