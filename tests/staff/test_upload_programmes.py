"""The upload form with several programmes: commitment first, then only its milestones, activities and means."""
from __future__ import annotations

import io
import re

import pytest

from tests.helpers import login
from tests.plan.test_many_plans import JALISCO_C, OTHER, run, write

OTHER_C = OTHER["commitments"][0]["slug"]


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


@pytest.fixture
def staff(client, make_user):
    make_user("staff@jalisco.gob.mx", "staff")
    login(client, "staff@jalisco.gob.mx")
    return client


@pytest.fixture
def two_plans(app, tmp_path):
    run(app.test_cli_runner(), "plan", "import", write(tmp_path, OTHER))


def test_upload_form_asks_for_the_commitment_then_its_milestones(staff, two_plans):
    html = staff.get(f"/personal/subir?compromiso={OTHER_C}&meta=3").get_data(as_text=True)
    assert f'<option selected value="{OTHER_C}">' in html
    milestones = re.findall(r'<option data-commitment="([^"]+)" data-means=[^>]*value="(\d+)"', html)
    assert ({n for c, n in milestones if c == OTHER_C} == {"1", "2", "3"}
            and len([1 for c, _n in milestones if c == JALISCO_C]) == 11)
    means = html[html.index('name="means"'):]
    means = means[:means.index("</select>")]
    assert re.search(r'<optgroup label="Exigidos por la meta 3">\s*<option value="Lista de asistencia">'
                     r'Lista de asistencia</option>\s*<option value="Minuta">Minuta</option>\s*</optgroup>', means)
    assert '<optgroup label="Otro medio">' in means


def test_upload_lands_on_the_chosen_commitments_milestone(staff, two_plans):
    html = staff.get("/personal/subir").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    data = {"csrf_token": token, "milestone": "3", "means": "Minuta", "visibility": "public",
            "files": (io.BytesIO(b"Minuta de Becas"), "minuta-becas.txt")}
    r = staff.post("/personal/subir", data={**data}, content_type="multipart/form-data")
    assert r.status_code == 400 and "Elija el compromiso de la evidencia." in text(r)
    data["files"] = (io.BytesIO(b"Minuta de Becas"), "minuta-becas.txt")
    r = staff.post("/personal/subir", data={**data, "commitment": OTHER_C}, content_type="multipart/form-data")
    assert r.status_code == 302 and r.headers["Location"] == f"/compromisos/{OTHER_C}/metas/3"
    page = staff.get(r.headers["Location"]).get_data(as_text=True)
    assert "minuta-becas" in page
    assert "minuta-becas" not in staff.get(f"/compromisos/{JALISCO_C}/metas/3").get_data(as_text=True)
    evidence = re.search(r'href="(/evidencias/\d+)"', page).group(1)
    back = staff.get(evidence).get_data(as_text=True)
    assert f'href="/compromisos/{OTHER_C}/metas/3"' in back and f'href="/compromisos/{OTHER_C}"' in back
