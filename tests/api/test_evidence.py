"""Scripts upload evidence with a personal token; extraction and indexing happen in the background."""
import io

import pytest

from tests import samples
from tests.helpers import validated


def post(client, token, content: bytes, name: str, **fields):
    data = {"milestone": "3", "means": "minuta", **fields, "file": (io.BytesIO(content), name)}
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post("/api/v1/evidence", data=data, headers=headers, content_type="multipart/form-data")


def pdf_bytes(tmp_path, text):
    path = tmp_path / "minuta.pdf"
    samples.make_text_pdf(path, text)
    return path.read_bytes()


def test_upload_returns_201_then_text_is_extracted(spec, client, staff_token, worker, tmp_path):
    content = pdf_bytes(tmp_path, "Minuta de la reunión de seguimiento: se acordó revisar el padrón de beneficiarios.")
    r = post(client, staff_token, content, "Minuta 17-oct.pdf", means="MINUTA", date="2019-10-17",
             description="Reunión del comité")
    assert r.status_code == 201, r.get_data(as_text=True)
    data = validated(spec, r)
    assert data["text_status"] == "pending"
    assert data["mime_type"] == "application/pdf"
    assert data["means"] == "Minuta"
    assert data["title"] == "Minuta 17-oct"
    assert data["size"] == len(content)
    import hashlib
    assert data["sha256"] == hashlib.sha256(content).hexdigest()
    assert r.headers["Location"].endswith(f"/api/v1/evidence/{data['id']}")

    assert worker.drain() == 1
    shown = validated(spec, client.get(f"/api/v1/evidence/{data['id']}"))
    assert shown["text_status"] == "extracted"
    assert shown["text_error"] is None

    download = client.get(f"/evidencias/{data['id']}/descargar")
    assert download.data == content
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.mimetype == "application/pdf"


def test_same_bytes_same_milestone_and_means_is_refused(spec, client, staff_token, tmp_path):
    content = pdf_bytes(tmp_path, "Lista de asistencia")
    first = post(client, staff_token, content, "a.pdf")
    assert first.status_code == 201
    again = post(client, staff_token, content, "b.pdf", means="Minutas")
    assert again.status_code == 409
    body = validated(spec, again)
    assert f"ya existe como evidencia #{first.get_json()['id']}" in body["error"]["message"]
    elsewhere = post(client, staff_token, content, "c.pdf", milestone="5")
    assert elsewhere.status_code == 201


@pytest.mark.parametrize("fields, field, message", [
    ({"milestone": "99"}, "milestone", "No existe la meta 99"),
    ({"milestone": "tres"}, "milestone", "no es un número"),
    ({"means": "Acta notarial"}, "means", "Medio de verificación desconocido"),
    ({"date": "2019-02-30"}, "date", "Fecha inválida"),
    ({"date": "2999-01-01"}, "date", "no puede estar en el futuro"),
    ({"visibility": "secreta"}, "visibility", "visibilidad"),
    ({"activity": "999999"}, "activity", "no pertenece a esa meta"),
])
def test_bad_metadata_is_a_clear_400(spec, client, staff_token, fields, field, message):
    r = post(client, staff_token, b"texto plano de prueba", "nota.txt", **fields)
    assert r.status_code == 400
    body = validated(spec, r)
    assert message in body["error"]["fields"][field]


def test_activity_must_belong_to_the_milestone(client, staff_token):
    plan = client.get("/api/v1/plan").get_json()
    m2_activity = plan["milestones"][1]["activities"][1]["id"]
    assert post(client, staff_token, b"relatoria", "r.txt", milestone="2", activity=str(m2_activity),
                means="Relatorías por mesa").status_code == 201
    r = post(client, staff_token, b"otra", "o.txt", milestone="3", activity=str(m2_activity))
    assert r.status_code == 400


def test_unsupported_and_empty_files(spec, client, staff_token):
    r = post(client, staff_token, b"\x7fELF\x02\x01\x01" + b"\x00" * 200, "informe.pdf")
    assert r.status_code == 415
    message = validated(spec, r)["error"]["message"]
    assert "Tipo de archivo no admitido" in message and "PDF" in message and "Imagen JPEG" in message
    r = post(client, staff_token, b"", "vacio.pdf")
    assert r.status_code == 400 and "vacío" in r.get_json()["error"]["message"]


def test_size_limit_is_413_with_a_message(tmp_path):
    from evidence_repo import create_app
    from evidence_repo.accounts.operations import create_user
    from evidence_repo.accounts.tokens import create_token
    from evidence_repo.bootstrap import prepare
    from evidence_repo.services import services

    app = create_app({"DATA_DIR": tmp_path / "d", "MAX_UPLOAD_MB": 1})
    prepare(app)
    with services(app).sessions() as s:
        user = create_user(s, "a@b.mx", "una-clave-larga", "staff")
        _, token = create_token(s, user)
        s.commit()
    client = app.test_client()
    r = post(client, token, b"a" * (3 * 1024 * 1024), "grande.txt")
    assert r.status_code == 413
    assert r.get_json()["error"]["message"] == "El archivo es demasiado grande: el máximo es 1 MB."
    r = post(client, token, b"a" * (1024 * 1024 + 10), "justo.txt")
    assert r.status_code == 413 and "1 MB" in r.get_json()["error"]["message"]
    assert not [p for p in (tmp_path / "d" / "files" / ".tmp").iterdir()]


def test_tokens_are_required_and_revocable(client, staff_token, session):
    from evidence_repo.accounts.tokens import revoke_token
    from evidence_repo.evidence.models import ApiToken

    assert post(client, None, b"x", "x.txt").status_code == 401
    assert post(client, "er_inventado", b"x", "x.txt").status_code == 401
    token = session.query(ApiToken).one()
    revoke_token(session, token.id)
    session.commit()
    r = post(client, staff_token, b"x", "x.txt")
    assert r.status_code == 401 and "revocado" in r.get_json()["error"]["message"]


def test_committee_tokens_cannot_upload(client, make_user, session):
    from evidence_repo.accounts.tokens import create_token

    user = make_user("comite@jalisco.gob.mx", "committee")
    _, token = create_token(session, user)
    session.commit()
    assert post(client, token, b"x", "x.txt").status_code == 403


def test_listing_hides_restricted_from_the_public(spec, client, staff_token):
    assert post(client, staff_token, b"asistentes con CURP", "lista.txt", visibility="restricted",
                means="Lista de asistencia").status_code == 201
    public = post(client, staff_token, b"minuta publica", "minuta.txt")
    assert public.status_code == 201
    anonymous = validated(spec, client.get("/api/v1/evidence"))
    assert anonymous["total"] == 1 and [e["title"] for e in anonymous["results"]] == ["minuta"]
    staff = client.get("/api/v1/evidence", headers={"Authorization": f"Bearer {staff_token}"}).get_json()
    assert staff["total"] == 2
    restricted_id = next(e["id"] for e in staff["results"] if e["visibility"] == "restricted")
    assert client.get(f"/api/v1/evidence/{restricted_id}").status_code == 404
    assert client.get(f"/evidencias/{restricted_id}").status_code == 404
    assert client.get(f"/evidencias/{restricted_id}/descargar").status_code == 404
    assert client.get("/api/v1/evidence?per_page=500").status_code == 400


def test_hostile_file_names_are_neutralised(client, staff_token, session):
    from evidence_repo.evidence.models import EvidenceFile

    names = ["../../etc/passwd.txt", "a\x00b.txt", "x" * 600 + ".txt", "📄 acta 🎉.txt", "..\\..\\win.txt"]
    for i, name in enumerate(names):
        r = post(client, staff_token, f"contenido {i}".encode(), name)
        assert r.status_code == 201, (name, r.get_data(as_text=True))
    stored = [f.original_name for f in session.query(EvidenceFile).order_by(EvidenceFile.id)]
    assert stored[0] == "passwd.txt"
    assert "\x00" not in stored[1]
    assert len(stored[2]) <= 200 and stored[2].endswith(".txt")
    assert stored[3] == "📄 acta 🎉.txt"
    assert stored[4] == "win.txt"
