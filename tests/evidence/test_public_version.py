"""Versión pública: restricted evidence gets a redacted copy for the public; the public sees, downloads and searches
only that copy, staff see both, and every step is audited."""
from __future__ import annotations

import io

from sqlalchemy import select

from evidence_repo.audit import AuditRecord
from evidence_repo.evidence.integrity import check
from evidence_repo.services import services
from tests.helpers import csrf_token, login, upload

ORIGINAL = "Lista de asistencia. Nombre y firma: Xochiquetzal Ramírez, rosa.ramirez@example.mx"
REDACTED = "Lista de asistencia. Nombre y firma: [testado] tlapalizquixochitl"


def _staff(app, make_user):
    make_user("testado@jalisco.gob.mx", "staff")
    staff = app.test_client()
    login(staff, "testado@jalisco.gob.mx")
    return staff


def _add_public_version(staff, evidence_id: int, content: str, name: str = "lista-testada.txt"):
    token = csrf_token(staff, f"/evidencias/{evidence_id}")
    return staff.post(f"/personal/evidencias/{evidence_id}/version-publica", content_type="multipart/form-data",
                      data={"csrf_token": token, "file": (io.BytesIO(content.encode()), name)},
                      follow_redirects=True)


def test_the_public_gets_only_the_public_version(app, client, staff_token, make_user, worker):
    evidence_id = upload(client, staff_token, 6, "Lista de asistencia", ORIGINAL, visibility="restricted")
    worker.drain()
    assert client.get(f"/evidencias/{evidence_id}").status_code == 404  # restricted, no public version yet
    staff = _staff(app, make_user)
    page = staff.get(f"/evidencias/{evidence_id}").get_data(as_text=True)
    assert "Versión pública (testada)" in page and "El público no ve esta evidencia" in page

    r = _add_public_version(staff, evidence_id, REDACTED)
    assert "Se guardó la versión pública" in r.get_data(as_text=True)
    worker.drain()

    public_page = client.get(f"/evidencias/{evidence_id}").get_data(as_text=True)
    assert "tlapalizquixochitl" in public_page and "Versión pública (testada)" in public_page
    assert "Xochiquetzal" not in public_page and "rosa.ramirez" not in public_page
    download = client.get(f"/evidencias/{evidence_id}/descargar")
    assert download.status_code == 200 and download.get_data(as_text=True) == REDACTED
    assert client.get(f"/evidencias/{evidence_id}/descargar?version=1").status_code == 404
    hits = client.get("/api/v1/search", query_string={"q": "tlapalizquixochitl"}).get_json()
    assert [h["id"] for h in hits["results"]] == [evidence_id]
    assert client.get("/api/v1/search", query_string={"q": "Xochiquetzal"}).get_json()["total"] == 0
    activity = client.get("/actividad").get_data(as_text=True)
    assert "Versión pública (testada) publicada" in activity and "Xochiquetzal" not in activity
    api = client.get(f"/api/v1/evidence/{evidence_id}").get_json()
    assert api["is_public_version"] is True and api["file_name"] == "lista-testada.txt"
    assert "privacy_warnings" not in api  # a hint for staff, not for the public

    # staff see both: the original (page text, download) and the public version's card
    staff_page = staff.get(f"/evidencias/{evidence_id}").get_data(as_text=True)
    assert "Xochiquetzal" in staff_page and "lista-testada.txt" in staff_page
    assert staff.get(f"/evidencias/{evidence_id}/descargar").get_data(as_text=True) == ORIGINAL
    assert staff.get(f"/evidencias/{evidence_id}/descargar?publica=1").get_data(as_text=True) == REDACTED
    with services(app).sessions() as s:
        audited = s.scalars(select(AuditRecord).where(AuditRecord.action == "evidence.public_version")).one()
        assert audited.entity_id == evidence_id and audited.after["public_version"]["file_name"] == "lista-testada.txt"
        # `evidence-repo check` agrees: the public document of restricted evidence is no drift, its files no orphans
        report = check(s, services(app).blobs, services(app).index())
        assert not report.drifted and not report.orphan_files and not report.missing_files


def test_public_version_refusals_are_clear(app, client, staff_token, make_user):
    public_id = upload(client, staff_token, 6, "Minuta", "Minuta de la sesión")
    restricted_id = upload(client, staff_token, 6, "Lista de asistencia", ORIGINAL, visibility="restricted")
    staff = _staff(app, make_user)
    r = _add_public_version(staff, public_id, REDACTED)
    assert "esta ya es pública" in r.get_data(as_text=True)
    r = _add_public_version(staff, restricted_id, ORIGINAL)
    assert "Ese es el archivo original" in r.get_data(as_text=True)
    assert client.get(f"/evidencias/{restricted_id}").status_code == 404  # nothing was published


def test_a_withdrawn_item_hides_its_public_version(app, client, staff_token, make_user, worker):
    evidence_id = upload(client, staff_token, 6, "Lista de asistencia", ORIGINAL, visibility="restricted")
    staff = _staff(app, make_user)
    _add_public_version(staff, evidence_id, REDACTED)
    worker.drain()
    token = csrf_token(staff, f"/evidencias/{evidence_id}")
    staff.post(f"/personal/evidencias/{evidence_id}/retirar", data={"csrf_token": token, "reason": "Duplicada"})
    worker.drain()
    assert client.get(f"/evidencias/{evidence_id}").status_code == 404
    assert client.get(f"/evidencias/{evidence_id}/descargar").status_code == 404
    assert client.get("/api/v1/search", query_string={"q": "tlapalizquixochitl"}).get_json()["total"] == 0
    assert evidence_id not in {f["evidence_id"] for f in client.get("/manifiesto.json").get_json()["files"]}


def test_compliance_names_evidence_by_its_public_version(app, client, staff_token, make_user, worker):
    """Compliance figures and exports name restricted evidence that has a versión pública as its pages do (by its
    id: the public can open it), and keep hiding it before that; it counts all along."""
    import csv

    evidence_id = upload(client, staff_token, 11, "Informe final", ORIGINAL, visibility="restricted")
    worker.drain()

    def shown() -> tuple[str, list, str]:
        data = client.get("/api/v1/compliance").get_json()
        milestone = {m["number"]: m for m in data["milestones"]}[11]
        export = client.get("/cumplimiento.csv").get_data(as_text=True).lstrip("\ufeff")
        row = next(r for r in csv.reader(io.StringIO(export)) if r[0] == "11")
        return milestone["status"], milestone["evidence"]["Informe final"], row[5]

    assert shown() == ("completo", ["restringida"], "restringida")
    _add_public_version(_staff(app, make_user), evidence_id, REDACTED)
    worker.drain()
    status, named, cell = shown()
    assert (status, named) == ("completo", [evidence_id])
    assert str(evidence_id) in cell and "restringida" not in cell

    # The committee's verdict judged the evidence's own files, which the public never sees: not named to it.
    make_user("comite@jalisco.gob.mx", "committee")
    committee = app.test_client()
    login(committee, "comite@jalisco.gob.mx")
    r = committee.post(f"/comite/evidencias/{evidence_id}/revisar", follow_redirects=True,
                       data={"csrf_token": csrf_token(committee, f"/evidencias/{evidence_id}"), "state": "observada",
                             "comment": "Falta la firma"})
    assert "quedó observada" in r.get_data(as_text=True)
    public = {m["number"]: m for m in client.get("/api/v1/compliance").get_json()["milestones"]}[11]
    assert public["observed"] == {"Informe final": ["restringida"]}
    staff = {m["number"]: m for m in client.get("/api/v1/compliance", headers={
        "Authorization": f"Bearer {staff_token}"}).get_json()["milestones"]}[11]
    assert staff["observed"] == {"Informe final": [evidence_id]}
    export = client.get("/cumplimiento.csv").get_data(as_text=True).lstrip("\ufeff")
    row = next(r for r in csv.reader(io.StringIO(export)) if r[0] == "11")
    assert row[6] == "restringida" and str(evidence_id) not in row


def test_the_feed_announces_evidence_when_its_public_version_makes_it_public(app, client, staff_token, make_user,
                                                                           worker):
    """A feed reader learns of restricted evidence when the public can open it, dated then, not when it was
    uploaded (an old date would sort it below newer entries, or out of the feed's window)."""
    import datetime as dt
    import xml.etree.ElementTree as ET

    from evidence_repo.evidence.models import Evidence

    evidence_id = upload(client, staff_token, 6, "Lista de asistencia", ORIGINAL, visibility="restricted")
    with services(app).sessions() as session:  # uploaded a month ago
        session.get(Evidence, evidence_id).created_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
        session.commit()
    assert f"evidencias/{evidence_id}" not in client.get("/feed.atom").get_data(as_text=True)
    _add_public_version(_staff(app, make_user), evidence_id, REDACTED)
    worker.drain()

    atom = "{http://www.w3.org/2005/Atom}"
    feed = ET.fromstring(client.get("/feed.atom").get_data())
    entry = next(e for e in feed.iter(f"{atom}entry") if e.find(f"{atom}id").text.endswith(f"#evidence-{evidence_id}"))
    updated = dt.datetime.fromisoformat(entry.find(f"{atom}updated").text)
    assert dt.datetime.now(dt.UTC) - updated < dt.timedelta(minutes=5)
