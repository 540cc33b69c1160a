"""Start-up: `init` and the console script, run the way an administrator runs them."""
import os
import subprocess
import sys

from evidence_repo.bootstrap import prepare
from evidence_repo.services import services


def test_console_script_init_is_idempotent(tmp_path):
    env = {**os.environ, "EVIDENCE_REPO_DATA": str(tmp_path / "data")}
    exe = os.path.join(os.path.dirname(sys.executable), "evidence-repo")
    first = subprocess.run([exe, "init"], env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert "Plan semilla cargado." in first.stdout
    second = subprocess.run([exe, "init"], env=env, capture_output=True, text=True, timeout=120)
    assert "no se modificó" in second.stdout
    assert {"evidence.db", "secret_key"} <= {p.name for p in (tmp_path / "data").iterdir()}
    assert oct((tmp_path / "data" / "secret_key").stat().st_mode & 0o777) == "0o600"
    flask = subprocess.run([os.path.join(os.path.dirname(sys.executable), "flask"), "--app", "evidence_repo",
                            "plan", "export", "--format", "json"], env=env, capture_output=True, text=True, timeout=120)
    assert flask.returncode == 0, flask.stderr
    assert '"number": 11' in flask.stdout


def test_start_up_removes_stray_temporary_uploads(app):
    import time

    stray = services(app).blobs.temp_dir / "upload-left-by-a-crash"
    stray.write_bytes(b"half a file")
    old = time.time() - 2 * 24 * 3600
    os.utime(stray, (old, old))
    prepare(app, index=False)
    assert not stray.exists()


def test_tests_that_never_search_never_build_an_index(app, client):
    assert client.get("/plan", follow_redirects=True).status_code == 200
    assert not (app.config["DATA_DIR"] / "index").exists()


def test_a_web_process_reads_the_index_ahead_before_serving(app, client, staff_token, worker, caplog, monkeypatch):
    """`serve` reads the index ahead (Whoosh: the most frequent words; PostgreSQL: the server reads its tables
    ahead), nothing while the index is being rebuilt, and the first search after it answers as any other would."""
    import logging

    if services(app).search == "whoosh":
        from indexer.whoosh import docsets

        monkeypatch.setattr(docsets, "WARM_MIN_DOCS", 2)  # three documents: every shared word is "frequent"

    from evidence_repo.bootstrap import warm_index
    from tests.helpers import upload

    svc = services(app)
    svc._stale = True  # as at a start that found the index out of step: a rebuild is coming, nothing to read
    assert warm_index(svc) == 0
    svc.mark_index_fresh()
    for n in range(3):
        upload(client, staff_token, 3, "Minuta", f"Minuta de la sesión {n} del comité de contraloría social")
    worker.drain()
    with caplog.at_level(logging.INFO, logger="evidence_repo.bootstrap"):
        read = warm_index(svc)
    assert read > 0 and "read ahead" in caplog.text  # Whoosh: words into the process; PostgreSQL: blocks asked for
    found = client.get("/api/v1/search?q=contraloria").get_json()
    assert found["total"] == 3
