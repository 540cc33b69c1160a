"""Refused uploads are set aside for a while, then deleted; `check` says how many wait and which are overdue."""
import io
import os
import time

from evidence_repo.services import services

ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 200


def refuse(client, token, body: bytes) -> None:
    r = client.post("/api/v1/evidence", headers={"Authorization": f"Bearer {token}"},
                    content_type="multipart/form-data",
                    data={"milestone": "3", "means": "Minuta", "file": (io.BytesIO(body), "acta.pdf")})
    assert r.status_code == 415, r.get_data(as_text=True)


def age(path, days: float) -> None:
    then = time.time() - days * 86400
    os.utime(path, (then, then))


def test_refused_uploads_expire_and_check_reports_them(app, client, staff_token):
    store = services(app).blobs
    runner = app.test_cli_runner()
    refuse(client, staff_token, ELF)
    [(first, _)] = list(store.iter_refused())
    fresh = runner.invoke(args=["check"])
    assert fresh.exit_code == 0, fresh.output
    assert "Archivos rechazados en espera de caducar: 1" in fresh.output

    age(first, 8)
    overdue = runner.invoke(args=["check"])
    assert overdue.exit_code == 1
    assert "Archivos rechazados que ya debían borrarse (--repair los borra): 1" in overdue.output
    assert first.name in overdue.output
    repaired = runner.invoke(args=["check", "--repair"])
    assert repaired.exit_code == 0, repaired.output
    assert "Reparado: 1 archivos rechazados borrados." in repaired.output
    assert not first.exists()


def test_a_new_refusal_sweeps_the_overdue_ones(app, client, staff_token):
    store = services(app).blobs
    refuse(client, staff_token, ELF)
    [(old, _)] = list(store.iter_refused())
    age(old, 8)
    refuse(client, staff_token, ELF + b"otro")
    assert [path.name for path, _ in store.iter_refused()] != [old.name]
    assert len(list(store.iter_refused())) == 1 and not old.exists()


def test_refusals_left_in_the_quarantine_by_older_versions_expire_but_damaged_evidence_stays(
        app, client, staff_token):
    from tests.helpers import upload

    store = services(app).blobs
    evidence_id = upload(client, staff_token, 3, "Minuta", "Minuta dañada")
    sha = client.get(f"/api/v1/evidence/{evidence_id}").get_json()["sha256"]
    damaged = store.quarantine(sha)  # an evidence file moved aside for repair: never deleted
    legacy = store.put(io.BytesIO(ELF)).sha256
    refused_before = store.quarantine(legacy)
    age(damaged, 30)
    age(refused_before, 30)
    runner = app.test_cli_runner()
    assert refused_before.name in runner.invoke(args=["check"]).output
    runner.invoke(args=["check", "--repair"])
    assert damaged.exists() and not refused_before.exists()
