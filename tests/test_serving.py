"""The real `evidence-repo serve` answers a large body it will refuse from the headers, without receiving it."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import PASSWORD

BIN = Path(sys.executable).parent
BIG = 100 * 1024 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("serve") / "data"
    env = {**os.environ, "EVIDENCE_REPO_DATA": str(data)}

    def cli(*args, input=None):
        return subprocess.run([str(BIN / "evidence-repo"), *args], env=env, input=input, text=True,
                              capture_output=True, timeout=120, check=True).stdout

    cli("init")
    cli("user", "add", "staff@jalisco.gob.mx", "--role", "staff", "--password-stdin", input=PASSWORD + "\n")
    token = cli("token", "create", "staff@jalisco.gob.mx").strip()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(data / "server.log", "w")
    proc = subprocess.Popen([str(BIN / "evidence-repo"), "serve", "--port", str(port), "--no-worker"], env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
            break
        except OSError:
            assert time.monotonic() < deadline, (data / "server.log").read_text()
            time.sleep(0.2)
    yield port, token
    proc.terminate()
    proc.wait(timeout=30)
    log.close()


def announce(port: int, path: str, size: int = BIG, **headers: str) -> bytes:
    """Send only the headers of a POST announcing ``size`` bytes; what the server answers within 5 s."""
    lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", f"Content-Length: {size}",
             "Content-Type: multipart/form-data; boundary=frontera", *(f"{k}: {v}" for k, v in headers.items())]
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        sock.sendall(b"--frontera\r\n")  # a first piece of the body, then nothing more
        answer = b""
        try:
            while chunk := sock.recv(65536):  # headers and body may come in separate packets
                answer += chunk
                head, blank, body = answer.partition(b"\r\n\r\n")
                length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
                if blank and length and len(body) >= int(length.group(1)):
                    break
        except (TimeoutError, ConnectionResetError):
            pass
        return answer


def test_an_anonymous_upload_is_answered_before_its_body_is_sent(server):
    port, _token = server
    answer = announce(port, "/api/v1/evidence")
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
    assert b"Se requiere un token" in answer
    assert b"Content-Security-Policy:" in answer and b"Connection: close" in answer
    form = announce(port, "/personal/subir")
    assert form.startswith(b"HTTP/1.1 302") and b"/ingresar" in form
    other = announce(port, "/ingresar", size=5 * 1024 * 1024)
    assert other.startswith(b"HTTP/1.1 413") and b"La solicitud es demasiado grande" in other


def test_an_uploader_is_waited_for(server):
    port, token = server
    assert announce(port, "/api/v1/evidence", Authorization=f"Bearer {token}") == b""  # the server waits
