"""Every programme in one place: canonical pages per plan and commitment, old URLs, the portfolio, the upload form."""
from __future__ import annotations

import copy
import re

import pytest

from tests.plan.test_many_plans import JALISCO_C, OTHER, run, write

OTHER_C = OTHER["commitments"][0]["slug"]
OTHER_P = OTHER["plan"]["slug"]


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


@pytest.fixture
def two_plans(app, tmp_path):
    data = copy.deepcopy(OTHER)
    data["commitments"][0]["responsible_institution"] = "Secretaría de Educación de Zacatecas"
    run(app.test_cli_runner(), "plan", "import", write(tmp_path, data))


def test_canonical_pages_of_a_second_plan(client, two_plans):
    plan = text(client.get(f"/planes/{OTHER_P}"))
    assert "Plan de transparencia del programa Becas 2025" in plan and "Padrón abierto del programa Becas" in plan
    r = client.get(f"/compromisos/{OTHER_C}")
    assert r.status_code == 200
    page = text(r)
    assert "Padrón abierto del programa Becas" in page and "Publicar el padrón" in page
    assert page.count("Ver pruebas") == 3
    assert f'href="/compromisos/{OTHER_C}/cumplimiento"' in r.get_data(as_text=True)
    m = text(client.get(f"/compromisos/{OTHER_C}/metas/3"))
    assert "Reunión con el comité de seguimiento" in m and "Padrón abierto del programa Becas" in m
    matrix = client.get(f"/compromisos/{OTHER_C}/cumplimiento")
    assert matrix.status_code == 200 and "Padrón publicado" in text(matrix)
    csv = client.get(f"/compromisos/{OTHER_C}/cumplimiento.csv", query_string={"as_of": "2025-03-02"})
    assert csv.status_code == 200 and "Padrón publicado" in csv.get_data(as_text=True)
    assert client.get(f"/compromisos/{OTHER_C}/cumplimiento/informe.pdf").status_code == 200


def test_home_lists_every_active_plan_with_its_commitments(client, two_plans):
    html = client.get("/").get_data(as_text=True)
    page = text(client.get("/"))
    assert "Plan de transparencia del programa Becas 2025" in page and "Segundo Plan de Acción Local" in page
    assert f'href="/compromisos/{OTHER_C}"' in html and f'href="/compromisos/{JALISCO_C}"' in html
    assert page.count("Ver pruebas") == 11 + 3
    assert f'href="/compromisos/{OTHER_C}/metas/2#evidencias"' in html


def test_old_urls_redirect_with_one_commitment(client):
    r = client.get("/plan")
    assert r.status_code == 302 and r.headers["Location"] == f"/compromisos/{JALISCO_C}"
    r = client.get("/metas/3", query_string={"pagina": 2})
    assert r.status_code == 302 and r.headers["Location"] == f"/compromisos/{JALISCO_C}/metas/3?pagina=2"
    assert client.get("/metas/99").status_code == 404
    # the default commitment's downloads keep working
    assert client.get("/cumplimiento.csv").status_code == 200
    assert client.get("/cumplimiento/informe.docx").status_code == 200


def test_old_urls_choose_among_several_commitments(client, two_plans):
    r = client.get("/plan")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert f'href="/compromisos/{OTHER_C}"' in html and f'href="/compromisos/{JALISCO_C}"' in html
    html = client.get("/metas/3").get_data(as_text=True)
    assert f'href="/compromisos/{OTHER_C}/metas/3"' in html and f'href="/compromisos/{JALISCO_C}/metas/3"' in html
    r = client.get("/metas/7")  # only Jalisco has a milestone 7
    assert r.status_code == 302 and r.headers["Location"] == f"/compromisos/{JALISCO_C}/metas/7"


@pytest.mark.parametrize("path", ["/planes/no-existe", "/compromisos/no-existe", "/compromisos/no-existe/metas/1",
                                  "/compromisos/no-existe/cumplimiento", "/compromisos/no-existe/cumplimiento.csv",
                                  f"/compromisos/{JALISCO_C}/metas/99"])
def test_unknown_slugs_are_a_spanish_404(client, path):
    r = client.get(path)
    assert r.status_code == 404
    assert '<html lang="es-MX">' in r.get_data(as_text=True) and "No existe" in text(r)


def test_archived_plan_is_hidden_from_home_but_public_by_link(app, client, two_plans):
    run(app.test_cli_runner(), "plan", "archive", OTHER_P)
    assert "Padrón abierto del programa Becas" not in text(client.get("/"))
    assert "Padrón abierto del programa Becas" not in text(client.get("/cumplimiento"))
    plan = client.get(f"/planes/{OTHER_P}")
    assert plan.status_code == 200 and "archivado" in text(plan)
    assert client.get(f"/compromisos/{OTHER_C}/metas/1").status_code == 200
    # only one listed commitment left: the old URLs redirect to it
    assert client.get("/plan").headers["Location"] == f"/compromisos/{JALISCO_C}"


def test_portfolio_has_one_row_per_commitment(client, two_plans):
    html = client.get("/cumplimiento").get_data(as_text=True)
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", html, re.DOTALL)
    assert len(rows) == 2
    jalisco, becas = rows
    assert f'href="/compromisos/{JALISCO_C}/cumplimiento"' in jalisco
    assert f'href="/compromisos/{OTHER_C}/cumplimiento"' in becas
    assert "Secretaría de Educación de Zacatecas" in becas
    assert re.search(r'data-label="Vencidas" class="num">3<', becas)  # all three were due in 2025
    assert re.search(r'data-label="Avance" class="num">0 %<', becas)
