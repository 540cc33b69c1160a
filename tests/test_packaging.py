"""`pip install .` (not only `-e`) gives a working app.

Builds the wheel from a copy of the checkout (the files git would commit, so no stale `build/` or untracked
file can leak in), installs it into a fresh virtualenv, and from a folder outside the checkout runs
`evidence-repo init` and `evidence-repo serve`, then reads the Spanish and English plan pages. Anything the
app reads at run time that the wheel lacks (templates, static files, migrations, seed, the compiled
translations) makes this fail.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("evidence_repo", "indexer", "storage")
SOURCE_ONLY = {".po", ".pot", ".pyc"}  # in the checkout, not needed by the installed app


def _run(cmd: list, *, timeout: float, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout, **kwargs)
    assert done.returncode == 0, f"{' '.join(map(str, cmd))} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done


def _checkout_files() -> list[str]:
    """The checkout as git sees it: tracked and new files, ignored ones (.venv, build/, caches) left out."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                                cwd=ROOT, capture_output=True, check=True, timeout=60).stdout.decode()
        return sorted(f for f in listed.split("\0") if f and (ROOT / f).is_file())
    except (OSError, subprocess.CalledProcessError):  # not a git checkout: everything but the usual clutter
        skip = {".git", ".venv", "build", "dist", "instance", "__pycache__", ".pytest_cache", ".mypy_cache",
                ".ruff_cache"}
        relative = (p.relative_to(ROOT) for p in ROOT.rglob("*") if p.is_file())
        return sorted(str(r) for r in relative
                      if not skip & set(r.parts) and not any(part.endswith(".egg-info") for part in r.parts))


class Installed:
    def __init__(self, work: Path, files: list[str], wheel: Path, venv: Path):
        self.work, self.files, self.wheel, self.venv = work, files, wheel, venv
        self.bin = venv / "bin"
        self.outside = work / "elsewhere"  # the cwd for everything run from the venv: not the checkout
        self.outside.mkdir()
        self.env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}}
        self.env["EVIDENCE_REPO_DATA"] = str(work / "data")
        self.serve_log = work / "serve.log"


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    work = tmp_path_factory.mktemp("packaging")
    started = time.monotonic()
    files = _checkout_files()
    src = work / "src"
    for name in files:
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, src / name)

    dist = work / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", dist, src], timeout=600)
    wheels = list(dist.glob("evidence_repo-*.whl"))
    assert len(wheels) == 1, wheels
    built = time.monotonic()

    # A fresh venv, without a pip of its own: the running pip installs into it (`--python`), which is faster.
    venv = work / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], timeout=120)
    _run([sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "--quiet", "--no-compile",
          wheels[0]], timeout=900)
    print(f"\nwheel built in {built - started:.1f}s, installed with its dependencies in "
          f"{time.monotonic() - built:.1f}s")
    return Installed(work, files, wheels[0], venv)


def test_wheel_has_every_file_of_the_packages(installed):
    in_wheel = set(zipfile.ZipFile(installed.wheel).namelist())
    wanted = [f for f in installed.files
              if f.split("/", 1)[0] in PACKAGES and Path(f).suffix not in SOURCE_ONLY]
    missing = [f for f in wanted if f not in in_wheel]
    assert not missing, f"files of the packages left out of the wheel (add them to package-data): {missing}"
    for needed in ("evidence_repo/templates/base.html", "evidence_repo/templates/public/plan.html",
                   "evidence_repo/static/site.css", "evidence_repo/migrations/env.py",
                   "evidence_repo/migrations/script.py.mako", "evidence_repo/seed/jalisco-2019.yaml",
                   "evidence_repo/api/openapi.json", "evidence_repo/translations/en/LC_MESSAGES/messages.mo"):
        assert needed in in_wheel, needed
    assert not any(n.startswith(("tests/", "bench/", "templates/")) for n in in_wheel)


def test_installed_package_is_the_one_in_the_venv(installed):
    probe = """
import json, sysconfig
from importlib import resources
import evidence_repo, indexer, storage
pkg = resources.files("evidence_repo")
print(json.dumps({
    "purelib": sysconfig.get_paths()["purelib"],
    "modules": [evidence_repo.__file__, indexer.__file__, storage.__file__],
    "data": [str(pkg / p) for p in ("templates/base.html", "translations/en/LC_MESSAGES/messages.mo",
                                    "static/site.css", "seed/jalisco-2019.yaml", "migrations/env.py")],
}))
"""
    out = json.loads(_run([installed.bin / "python", "-c", probe], cwd=installed.outside, env=installed.env,
                          timeout=120).stdout)
    site = Path(out["purelib"]).resolve()
    assert site.is_relative_to(installed.venv.resolve())
    for path in out["modules"] + out["data"]:
        assert Path(path).resolve().is_relative_to(site), f"{path} is not from the venv's site-packages {site}"
        assert Path(path).is_file(), path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(installed) -> Iterator[str]:
    init = _run([installed.bin / "evidence-repo", "init"], cwd=installed.outside, env=installed.env, timeout=300)
    assert "Plan semilla cargado" in init.stdout, init.stdout

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = installed.serve_log
    with log_path.open("w") as log:
        proc = subprocess.Popen([str(installed.bin / "evidence-repo"), "serve", "--port", str(port), "--no-worker"],
                                cwd=installed.outside, env=installed.env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    urllib.request.urlopen(url + "/", timeout=5)
                    break
                except urllib.error.HTTPError:  # it answers: the page tests say what is wrong
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        pytest.fail("the installed app did not start:\n" + log_path.read_text())
                    time.sleep(0.2)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _get(url: str, log: Path) -> str:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        pytest.fail(f"{url} answered {e.code}; server log:\n{log.read_text()[-3000:]}")


def test_installed_app_serves_the_plan_in_spanish_and_english(installed, served):
    es = _get(served + "/plan", installed.serve_log)
    assert '<html lang="es-MX">' in es
    assert "<title>Análisis del programa" in es  # /plan leads to the only commitment's page
    assert "Ficha del compromiso" in es
    assert "Meta 2" in es

    en = _get(served + "/plan?lang=en", installed.serve_log)
    assert '<html lang="en">' in en
    assert "<title>Análisis del programa" in en  # the plan's own title is not translated
    assert "Commitment sheet" in en
    assert "Milestone 2" in en

    assert "color" in _get(served + "/static/site.css", installed.serve_log)
