"""Citizens search every public document's text in Spanish, as people type it; restricted evidence never leaks."""
import io
import re

import pytest

from tests import samples
from tests.helpers import login, upload_file
from tests.plan.test_many_plans import JALISCO, JALISCO_C, OTHER, run, write

C = "/compromisos/jalisco-apoyo-organizaciones-sociedad-civil"  # the seed commitment's canonical URL

DOCS = [
    # (milestone, means, title, date, visibility, text)
    (3, "Minuta", "Minuta de la reunión de seguimiento", "2019-10-17", "public",
     "Se acordó revisar el padrón de beneficiarios y publicar la información del programa."),
    (5, "Minuta", "Minuta de noviembre", "2019-11-07", "public",
     "Las reuniones del comité promueven la participación ciudadana y la transparencia."),
    (6, "Lista de asistencia", "Lista de asistencia mesa 1", "2019-11-04", "public",
     "Asistentes de la Secretaría del Sistema de Asistencia Social. Año fiscal 2019."),
    (2, "Presentación de los ponentes", "Presentación MONAPP", "2019-10-15", "public",
     "Plataforma de programas sociales: transparencia proactiva y rendición de cuentas."),
    (8, "Acuerdos generales", "Acuerdos de cierre", "2019-12-06", "public",
     "Validación final de las contribuciones. Investigaciones futuras sobre el presupuesto."),
    (6, "Lista de asistencia", "Lista con firmas", "2019-11-25", "restricted",
     "Nombre, CURP y firma: Xochiquetzalli Zumárraga, vecina de Tlaquepaque. padrón confidencial."),
]


@pytest.fixture
def corpus(client, staff_token, worker):
    ids = []
    for i, (milestone, means, title, date, visibility, text) in enumerate(DOCS):
        # each document proves the session held on its date (session documents are required per session)
        sessions = client.get(f"/api/v1/milestones/{milestone}").get_json()["activities"]
        activity = next((str(a["id"]) for a in sessions if a["date"] == date), "")
        data = {"milestone": str(milestone), "means": means, "title": title, "date": date, "visibility": visibility,
                "activity": activity, "file": (io.BytesIO(text.encode()), f"doc{i}.txt")}
        r = client.post("/api/v1/evidence", data=data, headers={"Authorization": f"Bearer {staff_token}"},
                        content_type="multipart/form-data")
        assert r.status_code == 201, r.get_data(as_text=True)
        ids.append(r.get_json()["id"])
    worker.drain()
    return ids


BECAS, BECAS_C = "becas-zacatecas-2025", "becas-padron-abierto"


@pytest.fixture
def becas(app, client, staff_token, worker, corpus, tmp_path):
    """A second plan whose milestone 3 has a public minuta and whose milestone 2 a restricted list (ids)."""
    run(app.test_cli_runner(), "plan", "import", write(tmp_path, OTHER))
    ids = []
    for milestone, means, title, date, visibility, text in [
        (3, "Minuta", "Minuta del comité de Becas", "2025-04-10", "public",
         "Reunión del comité de Becas en Zacatecas."),
        (2, "Padrón publicado", "Padrón de Becas con firmas", "2025-03-01", "restricted",
         "Beneficiaria Tzintzuntzan Xicoténcatl, CURP y domicilio."),
    ]:
        data = {"milestone": str(milestone), "commitment": BECAS_C, "means": means, "title": title, "date": date,
                "visibility": visibility, "file": (io.BytesIO(text.encode()), "becas.txt")}
        r = client.post("/api/v1/evidence", data=data, headers={"Authorization": f"Bearer {staff_token}"},
                        content_type="multipart/form-data")
        assert r.status_code == 201, r.get_data(as_text=True)
        ids.append(r.get_json()["id"])
    worker.drain()
    return ids


def api(client, token=None, **params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    r = client.get("/api/v1/search", query_string=params, headers=headers)
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()


def titles(data):
    return {r["title"] for r in data["results"]}


@pytest.mark.parametrize("query, expected", [
    ("participacion", {"Minuta de noviembre"}),
    ("PARTICIPACIÓN ciudadana", {"Minuta de noviembre"}),
    # the list proves the session "Reunión con Subdvosc – SSAS", whose name is searchable too
    ("reunion", {"Minuta de la reunión de seguimiento", "Minuta de noviembre", "Lista de asistencia mesa 1"}),
    ("investigacion", {"Acuerdos de cierre"}),
    # milestone 6's objective mentions the padrón, so its evidence matches too
    ("padron beneficiarios", {"Minuta de la reunión de seguimiento", "Lista de asistencia mesa 1"}),
    ('"rendición de cuentas"', {"Presentación MONAPP"}),
    ("transpar*", {"Minuta de noviembre", "Presentación MONAPP"}),
    ("padrón OR plataforma", {"Minuta de la reunión de seguimiento", "Presentación MONAPP", "Lista de asistencia mesa 1"}),
    ("transparencia -comité", {"Presentación MONAPP"}),
    ("lista de asistencia", {"Lista de asistencia mesa 1"}),
    ("comite de seguimiento", {"Minuta de la reunión de seguimiento", "Minuta de noviembre"}),
])
def test_spanish_as_people_type_it(client, corpus, query, expected):
    assert titles(api(client, q=query)) == expected


def test_results_carry_snippets_facets_and_links(client, corpus):
    data = api(client, q="transparencia")
    assert data["total"] == 2
    hit = next(r for r in data["results"] if r["title"] == "Presentación MONAPP")
    assert hit["milestone"] == 2 and hit["means"] == "Presentación de los ponentes"
    assert hit["date"] == "2019-10-15" and hit["file_type"] == "Texto (TXT)"
    assert "<mark>transparencia</mark>" in hit["snippet"].lower()
    assert hit["url"].endswith(f"/evidencias/{hit['id']}")
    assert data["facets"]["milestone"] == {"2": 1, "5": 1}
    assert data["facets"]["year"] == {"2019": 2}


def test_filters_paging_and_sort(client, corpus):
    assert titles(api(client, q="minuta", milestone=5)) == {"Minuta de noviembre"}
    assert titles(api(client, means="Lista de asistencia")) == {"Lista de asistencia mesa 1"}
    assert api(client, year=2018)["total"] == 0
    newest = api(client, sort="date", per_page=2)
    assert [r["title"] for r in newest["results"]] == ["Acuerdos de cierre", "Minuta de noviembre"]
    second = api(client, sort="date", per_page=2, page=2)
    assert [r["title"] for r in second["results"]] == ["Lista de asistencia mesa 1", "Minuta de la reunión de seguimiento"]
    assert newest["total"] == 5


def test_empty_query_lists_newest_public_evidence(client, corpus):
    data = api(client)
    assert data["total"] == 5
    assert data["results"][0]["title"] == "Acuerdos de cierre"


def test_typo_gets_a_suggestion(client, corpus):
    data = api(client, q="transparensia")
    assert data["suggestion"] == "transparencia"


@pytest.mark.parametrize("query", ['"sin cerrar', "AND OR (", "*", "el la de", ")))", "a" * 600, "campo:valor",
                                   "\x00\x01", "<script>"])
def test_queries_the_parser_cannot_read_never_fail(client, corpus, query):
    r = client.get("/api/v1/search", query_string={"q": query})
    assert r.status_code == 200
    assert client.get("/buscar", query_string={"q": query}).status_code == 200


@pytest.mark.parametrize("params, field", [
    ({"page": "0"}, "page"), ({"per_page": "1000"}, "per_page"), ({"milestone": "tres"}, "milestone"),
    ({"sort": "azar"}, "sort"), ({"year": "19"}, "year"), ({"commitment": "Apoyo OSC"}, "commitment"),
    ({"plan": "x" * 81}, "plan"), ({"plan": "<script>"}, "plan"),
])
def test_bad_parameters_are_clear_400s(client, params, field):
    r = client.get("/api/v1/search", query_string=params)
    assert r.status_code == 400
    assert field in r.get_json()["error"]["fields"]


def test_restricted_evidence_never_leaks_to_the_public(app, client, corpus, becas, staff_token, make_user):
    """The unique word of a restricted file appears in no public page, API answer, snippet, count or suggestion."""
    secret, near_miss = "xochiquetzalli", "xochiquetzali"
    restricted_id = corpus[-1]
    public = app.test_client()
    answers = [
        public.get("/api/v1/search", query_string={"plan": BECAS}),
        public.get("/api/v1/search", query_string={"commitment": BECAS_C, "q": "tzintzuntzan"}),
        public.get("/api/v1/search", query_string={"commitment": BECAS_C, "milestone": 2}),
        public.get("/buscar", query_string={"plan": BECAS}),
        public.get("/buscar", query_string={"commitment": BECAS_C}),
        public.get("/buscar", query_string={"commitment": JALISCO_C, "milestone": 6}),
        public.get(f"/evidencias/{becas[1]}"),
        public.get("/api/v1/search", query_string={"q": secret}),
        public.get("/api/v1/search", query_string={"q": near_miss}),
        public.get("/api/v1/search", query_string={"q": "padron"}),
        public.get("/api/v1/search", query_string={"q": "tlaquepaque OR padron"}),
        public.get("/api/v1/search", query_string={"q": "xochi*"}),
        public.get("/api/v1/search"),
        public.get("/api/v1/evidence"),
        public.get(f"/api/v1/evidence/{restricted_id}"),
        public.get("/buscar", query_string={"q": secret}),
        public.get("/buscar", query_string={"q": near_miss}),
        public.get("/buscar", query_string={"q": "lista"}),
        public.get("/buscar"),
        public.get(C + "/metas/6"),
        public.get(C),
        public.get("/"),
        public.get(f"/evidencias/{restricted_id}"),
        public.get(f"/evidencias/{restricted_id}/descargar"),
        public.get(f"/evidencias/{restricted_id}/miniatura"),
        public.get(f"/evidencias/{restricted_id}/pdf-con-texto"),
        public.get("/feed.atom"),
        public.get(C + "/cumplimiento"),
        public.get("/cumplimiento.csv"),
        public.get("/api/v1/compliance"),
    ]
    for other in corpus[:-1]:
        answers.append(public.get(f"/evidencias/{other}"))
    from pypdf import PdfReader

    report = public.get("/cumplimiento/informe.pdf")
    report_text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(report.data)).pages).lower()
    assert "lista con firmas" not in report_text and "evidencia restringida" in report_text
    for r in answers:
        body = r.get_data(as_text=True).lower()
        typed = r.request.args.get("q", "").lower()
        if typed:  # the page repeats what the user typed; that is not a leak
            body = body.replace(typed, "")
        for word in (secret, "zumárraga", "zumarraga", "lista con firmas", "curp", "tzintzuntzan",
                     "padrón de becas con firmas"):
            assert word not in body, (r.request.path, r.request.query_string, word)
    assert public.get("/api/v1/search", query_string={"q": secret}).get_json()["total"] == 0
    padron = public.get("/api/v1/search", query_string={"q": "padron"}).get_json()
    assert padron["total"] == 2 and "Lista con firmas" not in titles(padron)
    facets = public.get("/api/v1/search").get_json()["facets"]
    assert facets["milestone"]["6"] == 1 and sum(facets["means"].values()) == 6
    # plan and commitment facets and filters count what the reader may see, nothing else
    assert facets["plan"] == {JALISCO: 5, BECAS: 1} and facets["commitment"] == {JALISCO_C: 5, BECAS_C: 1}
    in_becas = public.get("/api/v1/search", query_string={"plan": BECAS}).get_json()
    assert in_becas["total"] == 1 and in_becas["facets"]["milestone"] == {"3": 1}
    assert public.get("/api/v1/search", query_string={"commitment": BECAS_C, "milestone": 2}).get_json()["total"] == 0
    assert api(client, staff_token, commitment=BECAS_C)["facets"]["milestone"] == {"2": 1, "3": 1}
    assert api(client, staff_token)["facets"]["plan"] == {JALISCO: 6, BECAS: 2}
    page = public.get("/buscar", query_string={"commitment": BECAS_C}).get_data(as_text=True)
    assert "Padrón abierto del programa Becas</a> <span class=\"muted\">(1)</span>" in page

    staff = api(client, staff_token, q=secret)
    assert staff["total"] == 1 and "Xochiquetzalli" in staff["results"][0]["snippet"]
    make_user("comite@jalisco.gob.mx", "committee")
    committee = app.test_client()
    login(committee, "comite@jalisco.gob.mx")
    assert "Lista con firmas" in committee.get("/buscar", query_string={"q": secret}).get_data(as_text=True)


def test_search_page(client, corpus):
    html = client.get("/buscar", query_string={"q": "participacion"}).get_data(as_text=True)
    assert "1 resultado para «participacion»" in html
    assert "<mark>participación</mark>" in html.lower()
    assert re.search(r'href="/evidencias/\d+\?q=participacion"', html)
    # milestone numbers repeat across commitments: the milestone facet pins the one commitment of the results
    assert 'href="/buscar?q=participacion&amp;commitment=jalisco-apoyo-organizaciones-sociedad-civil&amp;milestone=5"' in html
    html = client.get("/buscar", query_string={"q": "transparensia"}).get_data(as_text=True)
    assert "¿Quisiste decir" in html and "transparencia" in html
    html = client.get("/buscar", query_string={"page": "abc"}).get_data(as_text=True)
    assert "«page» debe ser un número" in html


def test_file_types_read_in_the_reader_s_language(client, staff_token, worker, tmp_path):
    """The index keeps one label per type (the filter's value in links); pages name it in the reader's language."""
    photo = samples.make_photo(tmp_path / "foto.jpg").read_bytes()
    evidence_id = upload_file(client, staff_token, "foto.jpg", photo, title="Foto de la mesa de trabajo")
    worker.drain()
    client.get("/?lang=en")
    html = client.get("/buscar", query_string={"q": "mesa de trabajo"}).get_data(as_text=True)
    assert "JPEG image" in html and "Imagen JPEG" not in html.replace("type=Imagen+JPEG", "")
    assert "type=Imagen+JPEG" in html  # the facet link still filters by the indexed label
    english_filter = client.get("/buscar", query_string={"q": "mesa de trabajo", "type": "Imagen JPEG"})
    assert "File type: JPEG image" in " ".join(english_filter.get_data(as_text=True).split())
    for typed in ("image/jpeg", "Descargar"):  # not an indexed label: shown as typed, finds nothing
        html = client.get("/buscar", query_string={"q": "mesa de trabajo", "type": typed}).get_data(as_text=True)
        assert f"File type: {typed}" in " ".join(html.split()) and "JPEG image" not in html
    assert "JPEG image" in client.get(f"/evidencias/{evidence_id}").get_data(as_text=True)
    assert "Download JPEG image" in client.get(C + "/metas/3").get_data(as_text=True)
    r = client.post("/api/v1/evidence", data={"milestone": "3", "means": "Minuta", "visibility": "public",
                                              "file": (io.BytesIO(b"\x00\x01\x02binario"), "x.bin")},
                    headers={"Authorization": f"Bearer {staff_token}", "Accept-Language": "en"},
                    content_type="multipart/form-data")
    assert r.status_code == 415 and "JPEG image" in r.get_data(as_text=True)
    client.get("/?lang=es_MX")
    assert "Descargar Imagen JPEG" in client.get(C + "/metas/3").get_data(as_text=True)


def test_search_is_linked_from_every_page(client):
    for path in ("/", C, C + "/metas/1", "/ingresar", "/buscar"):
        assert 'action="/buscar"' in client.get(path).get_data(as_text=True)


def test_evidence_page_highlights_terms_and_suggests_similar(client, corpus):
    first = corpus[0]
    html = client.get(f"/evidencias/{first}", query_string={"q": "padron"}).get_data(as_text=True)
    assert "<mark>padrón</mark>" in html
    assert "SHA-256" in html and "Texto del documento" in html
    html = client.get(f"/evidencias/{corpus[1]}").get_data(as_text=True)
    assert "Más como esto" in html


def test_script_in_names_and_text_is_escaped_everywhere(client, staff_token, worker, tmp_path):
    payload = "<script>alert('x')</script>"
    pdf = samples.make_text_pdf(tmp_path / "a.pdf", f"Minuta {payload} acuerdos escandalosos")
    r = client.post("/api/v1/evidence", data={"milestone": "3", "means": "Minuta",
                                              "file": (io.BytesIO(pdf.read_bytes()), f"{payload}.pdf")},
                    headers={"Authorization": f"Bearer {staff_token}"}, content_type="multipart/form-data")
    assert r.status_code == 201
    evidence_id = r.get_json()["id"]
    worker.drain()
    pages = [client.get("/buscar", query_string={"q": "escandalosos"}), client.get(C + "/metas/3"),
             client.get(f"/evidencias/{evidence_id}", query_string={"q": "escandalosos"}),
             client.get(f"/evidencias/{evidence_id}")]
    for page in pages:
        html = page.get_data(as_text=True)
        assert "<script>alert" not in html, page.request.path
    api_hit = api(client, q="escandalosos")["results"][0]
    assert "<script>" not in api_hit["snippet"] and "&lt;script&gt;" in api_hit["snippet"]


def test_an_engine_failure_is_a_clear_error_not_zero_results(app, client, corpus, monkeypatch, caplog):
    """A bug in the search engine is logged and told to the reader; it never looks like "0 resultados"."""
    from evidence_repo.services import services
    from indexer import SearchFailed

    def broken(*args, **kwargs):
        raise SearchFailed("the engine broke")

    monkeypatch.setattr(services(app).index(), "search", broken)
    page = client.get("/buscar", query_string={"q": "participacion"})
    html = page.get_data(as_text=True)
    assert page.status_code == 500 and "error interno del buscador" in html
    assert "0 resultados" not in html and "No encontramos evidencias" not in html
    answer = client.get("/api/v1/search", query_string={"q": "participacion"})
    assert answer.status_code == 500 and "error interno" in answer.get_json()["error"]["message"]


# ------------------------------------------------------------------------------------- across programmes


def test_filter_by_plan_and_commitment(client, becas):
    assert titles(api(client, commitment=BECAS_C)) == {"Minuta del comité de Becas"}
    assert titles(api(client, plan=BECAS)) == {"Minuta del comité de Becas"}
    assert api(client, plan=JALISCO)["total"] == 5 and api(client, commitment=JALISCO_C)["total"] == 5
    # milestone 3 of two commitments: together without a commitment, apart with one
    assert titles(api(client, milestone=3)) == {"Minuta de la reunión de seguimiento", "Minuta del comité de Becas"}
    assert titles(api(client, commitment=JALISCO_C, milestone=3)) == {"Minuta de la reunión de seguimiento"}
    assert titles(api(client, commitment=BECAS_C, milestone=3)) == {"Minuta del comité de Becas"}
    assert api(client, plan=JALISCO, commitment=BECAS_C)["total"] == 0
    assert api(client, commitment="no-existe")["total"] == 0  # a well-formed unknown slug is simply no results


def test_hits_show_and_link_their_commitment_and_milestone(app, client, becas):
    hit = api(client, q="becas")["results"][0]
    assert hit["plan"] == BECAS and hit["plan_title"] == OTHER["plan"]["title"]
    assert hit["commitment"] == BECAS_C and hit["commitment_title"] == "Padrón abierto del programa Becas"
    assert hit["milestone"] == 3
    html = client.get("/buscar", query_string={"q": "becas"}).get_data(as_text=True)
    with app.test_request_context():
        from flask import url_for

        if "public.commitment_milestone" in app.view_functions:
            link = url_for("public.commitment_milestone", commitment_slug=BECAS_C, number=3)
        else:  # until the per-commitment milestone page is merged
            link = url_for("public.milestone", number=3)
    assert f'<a href="{link}">Compromiso: Padrón abierto del programa Becas · Meta 3</a>' in html


def test_plan_and_commitment_facets_let_people_switch(client, becas):
    html = client.get("/buscar").get_data(as_text=True)
    # two commitments in the results: plans and commitments to choose, no milestone facet (numbers repeat)
    assert f'href="/buscar?plan={BECAS}"' in html and f'href="/buscar?commitment={BECAS_C}"' in html
    assert "Plan de transparencia del programa Becas" in html
    assert "milestone=" not in html
    html = client.get("/buscar", query_string={"commitment": BECAS_C}).get_data(as_text=True)
    assert f'href="/buscar?commitment={BECAS_C}&amp;milestone=3"' in html  # milestones of that commitment
    assert f'href="/buscar?commitment={JALISCO_C}"' in html  # the other commitment is still offered
    assert 'href="/buscar">Todos los compromisos</a>' in html
    assert '<span class="visually-hidden">Quitar el filtro </span>Compromiso:' in html
    html = client.get("/buscar", query_string={"plan": BECAS, "commitment": BECAS_C, "milestone": 3}).get_data(
        as_text=True)
    # the plan chip clears the plan, its commitment and milestone; the commitment chip its milestone
    assert '<a href="/buscar"><span class="visually-hidden">Quitar el filtro </span>Plan:' in html
    assert f'<a href="/buscar?plan={BECAS}"><span class="visually-hidden">Quitar el filtro </span>Compromiso:' in html
    assert f'value="{BECAS_C}"' in html  # the search form keeps the filters
