"""Shared benchmark helpers: a real `evidence-repo serve` in a subprocess, multipart uploads, RSS sampling."""
from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, data: Path, env: dict, port: int, proc: subprocess.Popen):
        self.data, self.env, self.port, self.proc = data, env, port, proc
        self.url = f"http://127.0.0.1:{port}"

    def rss_kb(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0


def cli(env: dict, *args: str, input: str | None = None) -> str:
    return subprocess.run([str(BIN / "evidence-repo"), *args], env=env, input=input, text=True,
                          capture_output=True, check=True, timeout=600).stdout


@contextmanager
def running_server(data: Path, **extra_env):
    """Start `evidence-repo serve` on a free port with a staff token; yields (server, token)."""
    env = {**os.environ, "EVIDENCE_REPO_DATA": str(data), "EVIDENCE_REPO_SEARCH_LIMIT": "",  # one client, many
           "EVIDENCE_REPO_REPORT_LIMIT": "", **{k: str(v) for k, v in extra_env.items()}}  # requests: no limits
    cli(env, "init")
    cli(env, "user", "add", "bench@example.org", "--role", "staff", "--password-stdin", input="bench-password-1\n")
    token = cli(env, "token", "create", "bench@example.org").strip()
    port = free_port()
    log = open(data / "server.log", "w")
    proc = subprocess.Popen([str(BIN / "evidence-repo"), "serve", "--port", str(port)], env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    server = Server(data, env, port, proc)
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(server.url + "/", timeout=2)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((data / "server.log").read_text()) from None
            time.sleep(0.1)
    try:
        yield server, token
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def upload(server: Server, token: str, path: Path, fields: dict[str, str], chunk: int = 1 << 20) -> tuple[int, dict]:
    """Stream a multipart upload from disk (never whole in memory); returns (status, JSON body)."""
    boundary = uuid.uuid4().hex
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()
    )
    head += (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
             "Content-Type: application/octet-stream\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    size = len(head) + path.stat().st_size + len(tail)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=600)
    conn.putrequest("POST", "/api/v1/evidence")
    conn.putheader("Authorization", f"Bearer {token}")
    conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    conn.putheader("Content-Length", str(size))
    conn.endheaders()
    conn.send(head)
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            conn.send(block)
    conn.send(tail)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    try:
        return response.status, json.loads(body)
    except ValueError:
        return response.status, {"raw": body[:200].decode(errors="replace")}


class RssSampler(threading.Thread):
    """Samples a process's resident memory every few milliseconds; `peak_kb` is the highest seen."""

    def __init__(self, server: Server, every: float = 0.01):
        super().__init__(daemon=True)
        self.server, self.every = server, every
        self.baseline_kb = server.rss_kb()
        self.peak_kb = self.baseline_kb
        self._halt = threading.Event()

    def run(self):
        while not self._halt.is_set():
            self.peak_kb = max(self.peak_kb, self.server.rss_kb())
            time.sleep(self.every)

    def stop(self):
        self._halt.set()
        self.join()
