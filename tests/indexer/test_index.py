"""SearchIndex against a real Whoosh index of realistic action-plan evidence."""

import json
import math
import random
import re
import threading
from datetime import date

import pytest

from indexer.index import IndexCorrupt, SearchIndex, SearchResults

STAFF = {"public", "restricted"}

MILESTONES = {
    "1": "Publicar en formato de datos abiertos el padrón de beneficiarios de programas sociales",
    "2": "Fortalecer la participación ciudadana en la vigilancia del presupuesto participativo",
    "3": "Implementar mecanismos de rendición de cuentas en contrataciones públicas",
    "4": "Capacitar a servidores públicos en transparencia proactiva y acceso a la información",
    "99": "Seguimiento interno de auditorías",
}


def _doc(id, title, means, milestone, when, file_type, text, visibility="public", **extra):
    doc = {
        "id": id,
        "title": title,
        "means": means,
        "milestone": milestone,
        "milestone_text": MILESTONES[milestone],
        "date": when,
        "file_type": file_type,
        "text": text,
        "visibility": visibility,
        **extra,
    }
    return {k: v for k, v in doc.items() if v is not None}


CORPUS = [
    _doc("d01", "Convocatoria a la primera mesa de trabajo del compromiso de datos abiertos",
         "Convocatoria", "1", "2022-02-10", "pdf",
         "Se convoca a organizaciones de la sociedad civil, academia y servidores públicos a la "
         "primera mesa de trabajo para definir el formato del padrón de beneficiarios. La reunión "
         "se realizará en la Ciudad de México."),
    _doc("d02", "Registro de la primera mesa de trabajo", "Lista de asistencia", "1", "2022-02-24", "pdf",
         "Nombre, organización y firma de las personas asistentes. Asistieron 34 personas de 12 organizaciones."),
    _doc("d03", "Minuta de la reunión de instalación", "Minuta", "1", "2022-02-24", "docx",
         "Acuerdos: publicar el padrón en formato CSV; revisar la metodología de anonimización; la "
         "Secretaría de Bienestar presentará un avance en la próxima sesión. Participó la Compañía "
         "de Datos Abiertos SC."),
    _doc("d04", "Estándares de datos abiertos", "Presentación", "1", "2022-03-15", "pptx",
         "Metodologías para la apertura de datos. Estándar de datos abiertos del Gobierno de México. "
         "Transparencia y reutilización de información pública."),
    _doc("d05", "Relatoría del taller de co-creación", "Relatoría", "2", "2022-05-20", "pdf",
         "Las y los participantes propusieron mecanismos de participación ciudadana para vigilar el "
         "presupuesto participativo en las alcaldías. Se discutieron 15 propuestas."),
    _doc("d06", "Informe trimestral de avance del compromiso 2", "Informe", "2", "2022-07-01", "docx",
         "Durante el trimestre se realizaron tres sesiones de seguimiento y dos capacitaciones sobre "
         "presupuesto participativo. Las investigaciones de la contraloría social continúan."),
    _doc("d07", "Minuta de la segunda sesión del comité de seguimiento", "Minuta", "2", "2022-08-12", "docx",
         "El comité revisó las solicitudes de información pendientes y acordó difundir los resultados. "
         "La lista de asistencia se anexa al final."),
    _doc("d08", "Convocatoria a la consulta pública sobre presupuesto", "Convocatoria", "2", "2022-09-05", "pdf",
         "Consulta pública en línea. Las personas interesadas podrán enviar sus propuestas del 5 al 30 "
         "de septiembre."),
    _doc("d09", "Informe final de participacion ciudadana", "Informe", "2", "2023-01-20", "pdf",
         "Informe sobre la participacion ciudadana en la vigilancia del gasto: la participacion de los "
         "comites vecinales fue del 40 por ciento."),
    _doc("d10", "Resultados de contrataciones abiertas", "Presentación", "3", "2023-02-14", "pptx",
         "Estándar de Datos para las Contrataciones Abiertas (EDCA). Rendición de cuentas en "
         "licitaciones y adjudicaciones directas."),
    _doc("d11", "Minuta de la reunión con la Secretaría de la Función Pública", "Minuta", "3", "2023-03-09",
         "docx", "Se acordó publicar los contratos en formato abierto. La rendición de cuentas requiere "
         "información oportuna."),
    _doc("d12", "Relatoría del foro regional en Querétaro", "Relatoría", "3", "2023-04-18", "pdf",
         "Foro regional con testigos sociales sobre contrataciones públicas en el estado de Querétaro. "
         "Se presentaron los hallazgos de la auditoría ciudadana."),
    _doc("d13", "Registro del foro regional", "Lista de asistencia", "3", "2023-04-18", "xlsx",
         "Registro de participantes del foro regional."),
    _doc("d14", "Informe de capacitación a servidores públicos", "Informe", "4", "2023-06-30", "pdf",
         "Se capacitó a 250 servidores públicos en transparencia proactiva, gobierno abierto y acceso "
         "a la información."),
    _doc("d15", "Convocatoria al curso de transparencia proactiva", "Convocatoria", "4", "2023-08-01", "pdf",
         "Curso en línea sobre transparencia proactiva dirigido a unidades de transparencia."),
    _doc("d16", "Curso de acceso a la información", "Presentación", "4", "2023-08-15", "pptx",
         "Derecho de acceso a la información pública. Plazos de respuesta a solicitudes. Recursos de "
         "revisión ante el órgano garante."),
    _doc("d17", "Minuta de evaluación del plan de acción", "Minuta", "4", "2024-01-25", "docx",
         "Evaluación final del plan de acción. Los compromisos alcanzaron un avance del 85 por ciento. "
         "La asistencia fue amplia; la lista de compromisos se actualizó."),
    _doc("d18", "Relatoría de la sesión de cierre", "Relatoría", "4", "2024-03-12", "pdf",
         "Cierre del plan de acción con la participación de organizaciones de la sociedad civil y el "
         "secretariado técnico tripartita."),
    _doc("d19", "Informe con caracteres especiales", "Informe", "4", "2024-04-02", "txt",
         'Texto con <script>alert("xss")</script> y <b>negritas</b> & transparencia "comillas".'),
    _doc("d20", "Padrón de beneficiarios: versión pública", "Informe", "1", "2024-05-10", "xlsx",
         "Tabla con los registros anonimizados."),
    _doc("d21", "Anexo técnico", "Informe", "1", "2021-11-03", "pdf",
         "Anexo con notas diversas. En la página 40 se menciona el padrón de manera incidental."),
    _doc("d22", "Informe reservado", "Informe", "99", "2019-06-01", "odt",
         "Hallazgos de la auditoría interna: ornitorrinco es la clave del expediente reservado. "
         "Transparencia.", visibility="restricted"),
    _doc("d23", "Minuta interna", "Minuta", "3", "2023-05-05", "docx",
         "Minuta interna sobre contrataciones públicas. Datos personales de proveedores.",
         visibility="restricted"),
    _doc("d24", "Borrador sin clasificar", "Informe", "2", "2023-05-06", "docx",
         "Borrador con la palabra quetzalcoatlus.", visibility=None),
    _doc("d25", "Documento sin fecha", "Informe", "2", None, "pdf",
         "Documento histórico sin fecha de emisión."),
    _doc("d26", "Informe de los años 2021 y 2022", "Informe", "2", "2022-12-15", "pdf",
         "Resumen de actividades del año: reuniones, capacitaciones y una investigación sobre la "
         "compañía de transporte.", description="Resumen anual de actividades del compromiso."),
]
PUBLIC_IDS = {d["id"] for d in CORPUS if d.get("visibility") == "public"}
ALL_IDS = {d["id"] for d in CORPUS}


@pytest.fixture(scope="module")
def idx(tmp_path_factory):
    """Shared read-only index; tests that write build their own."""
    index = SearchIndex(tmp_path_factory.mktemp("shared") / "index")
    index.rebuild(CORPUS)
    return index


@pytest.fixture
def fresh(tmp_path):
    index = SearchIndex(tmp_path / "index", batch_size=7)
    index.add_many(CORPUS)
    return index


def ids(results: SearchResults) -> set[str]:
    return {h.id for h in results.hits}


def all_ids(index, q, **kw) -> set[str]:
    return ids(index.search(q, per_page=100, **kw))


# --- language -------------------------------------------------------------


@pytest.mark.parametrize(
    "query,expected",
    [
        ("participacion", {"d05", "d09", "d18"}),  # accented and unaccented documents
        ("participación", {"d05", "d09", "d18"}),
        ("PARTICIPACION CIUDADANA", {"d05", "d09"}),
        ("queretaro", {"d12"}),
        ("compania", {"d03", "d26"}),
        ("investigacion", {"d06", "d26"}),
        ("reuniones", {"d01", "d03", "d11", "d26"}),
        ("metodologia", {"d03", "d04"}),
        ("anos", {"d26"}),
        ("capacitaciones", {"d06", "d14", "d26"}),
    ],
)
def test_accents_plurals_and_case(idx, query, expected):
    assert expected <= all_ids(idx, query)


def test_and_is_the_default(idx):
    both = all_ids(idx, "transparencia proactiva")
    assert both == all_ids(idx, "transparencia") & all_ids(idx, "proactiva")
    assert {"d14", "d15"} <= both and "d04" not in both


def test_or(idx):
    assert all_ids(idx, "minuta OR relatoria") == all_ids(idx, "minuta") | all_ids(idx, "relatoria")


def test_exclusion(idx):
    expected = all_ids(idx, "minuta") - all_ids(idx, "contrataciones")
    assert "d11" in all_ids(idx, "minuta")
    assert all_ids(idx, "minuta -contrataciones") == expected
    assert all_ids(idx, "minuta NOT contrataciones") == expected


def test_exact_phrase(idx):
    loose = all_ids(idx, "lista asistencia")
    phrase = all_ids(idx, '"lista de asistencia"')
    assert "d17" in loose and "d17" not in phrase  # both words, not together
    assert {"d07", "d02", "d13"} <= phrase  # d02/d13: the means name is searchable


def test_prefix(idx):
    assert {"d04", "d14", "d15", "d19"} <= all_ids(idx, "transpar*")
    assert {"d06", "d14", "d26"} <= all_ids(idx, "capacit*")
    assert all_ids(idx, "zzzq*") == set()


def test_milestone_objective_and_means_are_searchable(idx):
    assert {"d02", "d13"} <= all_ids(idx, "lista de asistencia")
    assert {"d20", "d21"} <= all_ids(idx, "beneficiarios programas sociales")


def test_title_outweighs_body(idx):
    hits = idx.search("padron").hits
    order = [h.id for h in hits]
    assert order[0] == "d20"
    assert order.index("d20") < order.index("d21")


# --- suggestions ------------------------------------------------------------


@pytest.mark.parametrize(
    "query,expected",
    [
        ("transparensia", "transparencia"),
        ("partisipacion ciudadana", "participacion ciudadana"),
        ("Contrataziones", "Contrataciones"),
        ("reunion de instalasion", "reunion de instalacion"),
    ],
)
def test_typo_suggestion(idx, query, expected):
    assert idx.search(query).suggestion == expected


@pytest.mark.parametrize("query", ["transparencia", "capacitaciones", "reuniones 2022", "transpar*", ""])
def test_no_suggestion_for_known_words(idx, query):
    assert idx.search(query).suggestion is None


# --- facets, filters, paging, sorting ---------------------------------------------


def _expected_counts(key, docs):
    counts = {}
    for d in docs:
        value = str(d["date"][:4]) if key == "year" and "date" in d else d.get(key)
        if value is not None:
            counts[value] = counts.get(value, 0) + 1
    return counts


def test_facets_cover_the_whole_result_set_not_the_page(idx):
    results = idx.search("", per_page=3)
    public = [d for d in CORPUS if d["id"] in PUBLIC_IDS]
    assert len(results.hits) == 3
    assert results.total == len(PUBLIC_IDS)
    for key in ("milestone", "means", "year", "file_type"):
        assert results.facets[key] == _expected_counts(key, public), key


def test_facets_of_a_query(idx):
    results = idx.search("minuta")
    assert results.facets["means"]["Minuta"] == sum(
        1 for d in CORPUS if d["means"] == "Minuta" and d["id"] in PUBLIC_IDS
    )
    assert sum(results.facets["milestone"].values()) == results.total


@pytest.mark.parametrize(
    "filters",
    [
        {"milestone": "1"},
        {"means": "Minuta"},
        {"year": 2023},
        {"file_type": ["pdf", "pptx"]},
        {"year": "2022", "means": ["Informe", "Minuta"]},
    ],
)
def test_filters(idx, filters):
    def keep(d):
        for key, value in filters.items():
            values = {str(v) for v in (value if isinstance(value, list) else [value])}
            actual = d.get("date", "")[:4] if key == "year" else d.get(key)
            if actual not in values:
                return False
        return d["id"] in PUBLIC_IDS

    expected = {d["id"] for d in CORPUS if keep(d)}
    results = idx.search("", filters=filters, per_page=100)
    assert ids(results) == expected
    assert results.total == len(expected)


def test_keyword_values_round_trip_verbatim(tmp_path):
    index = SearchIndex(tmp_path / "index")
    index.add_many([
        {"id": 1, "title": "uno", "file_type": "Word (DOCX)", "milestone": 7, "activity": "",
         "means": "Lista de asistencia", "visibility": "public"},
        {"id": 2, "title": "dos", "file_type": "PDF", "visibility": "public"},
    ])
    results = index.search("")
    assert results.facets["file_type"] == {"PDF": 1, "Word (DOCX)": 1}
    assert results.facets["milestone"] == {"7": 1}
    assert ids(index.search("", filters={"file_type": "Word (DOCX)"})) == {"1"}
    assert ids(index.search("", filters={"milestone": 7, "means": "Lista de asistencia"})) == {"1"}


def test_filters_reject_unknown_names(idx):
    with pytest.raises(ValueError):
        idx.search("", filters={"visibility": "restricted"})


def test_paging(idx):
    seen = []
    first = idx.search("", per_page=5)
    assert first.pages == math.ceil(len(PUBLIC_IDS) / 5)
    for page in range(1, first.pages + 1):
        results = idx.search("", per_page=5, page=page)
        assert results.total == len(PUBLIC_IDS)
        seen += [h.id for h in results.hits]
    assert len(seen) == len(set(seen)) == len(PUBLIC_IDS)
    beyond = idx.search("", per_page=5, page=first.pages + 1)
    assert beyond.hits == [] and beyond.total == len(PUBLIC_IDS)


def _newest_first(hits):
    dates = [h.date for h in hits]
    dated = [d for d in dates if d is not None]
    return dated == sorted(dated, reverse=True) and dates[: len(dated)] == dated


def test_empty_query_lists_newest_first(idx):
    results = idx.search("", per_page=100)
    assert results.hits[0].id == "d20"
    assert results.hits[-1].id == "d25"  # undated last
    assert _newest_first(results.hits)
    assert results.suggestion is None


def test_sort_by_date(idx):
    results = idx.search("transparencia", sort="date")
    assert len(results.hits) > 2
    assert _newest_first(results.hits)


def test_hit_fields(idx):
    hit = next(h for h in idx.search("padron").hits if h.id == "d20")
    assert hit.title == "Padrón de beneficiarios: versión pública"
    assert (hit.milestone, hit.means, hit.file_type) == ("1", "Informe", "xlsx")
    assert hit.date == date(2024, 5, 10)


# --- robustness and snippets -------------------------------------------------


NASTY = [
    '"', '"unbalanced quote', "AND OR (", "(((", ")", "*", "**", "?", "-", "--", "+", "NOT", "OR",
    '"" ""', "title:", "visibility:restricted", "[a TO", "{", "^", "~2", "\\", "/", ":", "\x00",
    "a" * 2000, "transparencia AND", "((transparencia", '"lista de', "año:2024", "🙂", "ñ*",
    "*transparencia", "trans*parencia", "transparencia^5", "'comillas", "de la", "el", "y o",
]


@pytest.mark.parametrize("query", NASTY)
def test_unparseable_queries_never_raise(idx, query):
    results = idx.search(query)
    assert isinstance(results, SearchResults)
    assert ids(results) <= PUBLIC_IDS


@pytest.mark.parametrize("query", ["*", "de la", "AND OR (", '"'])
def test_nothing_searchable_lists_newest(idx, query):
    assert idx.search(query).total == len(PUBLIC_IDS)


def _only_mark_tags(html):
    return set(re.findall(r"<[^>]*>", html)) <= {"<mark>", "</mark>"}


@pytest.mark.parametrize(
    "query,expected",
    [
        ("negritas", "&lt;b&gt;<mark>negritas</mark>&lt;/b&gt; &amp;"),
        ("script", '&lt;<mark>script</mark>&gt;alert("xss")&lt;/<mark>script</mark>&gt;'),
        ("comillas", '&lt;script&gt;alert("xss")&lt;/script&gt;'),
        ("", 'Texto con &lt;script&gt;alert("xss")&lt;/script&gt; y &lt;b&gt;negritas&lt;/b&gt;'),
    ],
)
def test_snippets_are_escaped(idx, query, expected):
    hit = next(h for h in idx.search(query, per_page=100).hits if h.id == "d19")
    assert expected in hit.snippet
    assert "<script" not in hit.snippet and "<b>" not in hit.snippet
    assert _only_mark_tags(hit.snippet)


def test_snippet_marks_matches(idx):
    hit = next(h for h in idx.search("participacion").hits if h.id == "d05")
    assert "<mark>participación</mark>" in hit.snippet
    assert _only_mark_tags(hit.snippet)
    hit = next(h for h in idx.search('"lista de asistencia"').hits if h.id == "d07")
    assert "<mark>lista</mark> de <mark>asistencia</mark>" in hit.snippet


def test_snippet_falls_back_to_start_of_text(idx):
    hit = next(h for h in idx.search("padron").hits if h.id == "d20")
    assert hit.snippet == "Tabla con los registros anonimizados."


# --- visibility: nothing restricted may leak to the public ------------------------


def test_restricted_word_is_invisible_to_the_public(idx):
    for query in ["ornitorrinco", "ornitor*", '"clave del expediente"', "ornitorrinco OR zzz"]:
        results = idx.search(query)
        assert results.total == 0 and results.hits == [], query
        assert all(f == {} for f in results.facets.values()), query


def test_restricted_word_never_suggested_to_the_public(idx):
    for query in ["ornitorrinko", "ornitorinco", "ornitorrinco", "Ornitorrinko"]:
        assert idx.search(query).suggestion is None, query
        assert idx.search(query, visibility="public").suggestion is None, query


def test_restricted_documents_do_not_count_in_totals_or_facets(idx):
    results = idx.search("auditoria")
    assert ids(results) == {"d12"} and results.total == 1
    browse = idx.search("", per_page=100)
    assert browse.total == len(PUBLIC_IDS)
    assert "99" not in browse.facets["milestone"]
    assert "odt" not in browse.facets["file_type"]
    assert "2019" not in browse.facets["year"]
    assert not any("ornitorrinco" in h.snippet for h in browse.hits)
    assert "d22" not in all_ids(idx, "transparencia")


def test_missing_visibility_means_restricted(idx):
    assert idx.search("quetzalcoatlus").total == 0
    assert all_ids(idx, "quetzalcoatlus", visibility=STAFF) == {"d24"}


def test_staff_see_restricted_documents(idx):
    results = idx.search("ornitorrinco", visibility=STAFF)
    assert ids(results) == {"d22"}
    assert "<mark>ornitorrinco</mark>" in results.hits[0].snippet
    assert results.facets["milestone"] == {"99": 1}
    assert idx.search("ornitorrinko", visibility=STAFF).suggestion == "ornitorrinco"
    assert all_ids(idx, "auditoria", visibility=STAFF) == {"d12", "d22"}
    assert idx.search("", visibility=STAFF).total == len(ALL_IDS)


def test_no_visibility_sees_nothing(idx):
    assert idx.search("", visibility=set()).total == 0


def test_document_made_restricted_disappears_from_public_view(fresh):
    assert fresh.search("alcaldias").total == 1
    d05 = dict(next(d for d in CORPUS if d["id"] == "d05"), visibility="restricted")
    fresh.add_many([d05])
    assert fresh.search("alcaldias").total == 0
    assert fresh.search("alcaldiaz").suggestion is None
    assert fresh.search("alcaldiaz", visibility=STAFF).suggestion == "alcaldias"


# --- writing ---------------------------------------------------------------


def test_update_by_id(fresh):
    before = fresh.count()
    old = next(d for d in CORPUS if d["id"] == "d08")
    assert all_ids(fresh, "septiembre") == {"d08"}
    fresh.add_many([dict(old, title="Convocatoria al hackatón cívico", text="Registro de proyectos.")])
    assert fresh.count() == before
    assert all_ids(fresh, "hackaton") == {"d08"}
    assert all_ids(fresh, "septiembre") == set()


def test_repeated_id_in_one_batch_keeps_the_last(fresh):
    fresh.add_many([
        {"id": "x1", "title": "versión zafiro", "visibility": "public"},
        {"id": "x1", "title": "versión rubí", "visibility": "public"},
    ])
    assert all_ids(fresh, "rubi") == {"x1"}
    assert all_ids(fresh, "zafiro") == set()
    assert "x1" in fresh.doc_ids()


def test_delete(fresh):
    assert fresh.delete_many(["d03", "d04", "nope"]) == 2
    assert fresh.count() == len(CORPUS) - 2
    assert fresh.doc_ids() == ALL_IDS - {"d03", "d04"}
    assert "d03" not in all_ids(fresh, "metodologia")
    assert fresh.delete_many([]) == 0
    fresh.delete_many(ALL_IDS)
    assert fresh.doc_ids() == set() and fresh.count() == 0


def test_doc_ids_and_count(fresh):
    assert fresh.doc_ids() == ALL_IDS
    assert fresh.count() == len(CORPUS)


@pytest.mark.parametrize(
    "bad", [{"title": "sin id"}, {"id": "", "title": "vacío"}, {"id": "z", "unknown_key": 1}]
)
def test_invalid_documents_are_rejected(tmp_path, bad):
    index = SearchIndex(tmp_path / "index")
    with pytest.raises(ValueError):
        index.add_many([bad])
    assert index.count() == 0


def test_rebuild_replaces_everything_and_reports_progress(fresh):
    progress = []
    new_docs = ({"id": f"n{i}", "title": f"nuevo documento {i}", "visibility": "public"} for i in range(20))
    assert fresh.rebuild(new_docs, progress=progress.append) == 20
    assert fresh.doc_ids() == {f"n{i}" for i in range(20)}
    assert progress == sorted(progress) and progress[-1] == 20 and len(progress) == 3  # batches of 7
    assert fresh.search("padron").total == 0


def test_rebuild_skips_repeated_ids(tmp_path):
    index = SearchIndex(tmp_path / "index")
    docs = [{"id": "a", "title": "uno"}, {"id": "a", "title": "dos"}, {"id": "b", "title": "tres"}]
    assert index.rebuild(docs) == 2
    assert index.count() == 2


def test_concurrent_writers(tmp_path):
    path = tmp_path / "index"
    SearchIndex(path)
    errors = []

    def write(n):
        try:
            index = SearchIndex(path, batch_size=5)
            index.add_many({"id": f"t{n}-{i}", "title": f"hilo {n}", "visibility": "public"} for i in range(15))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert SearchIndex(path).count() == 60


def test_searching_while_writing(fresh):
    errors = []

    def search():
        try:
            for q in ("participaciones", "transpar*", "reunion de instalasion", ""):
                fresh.search(q)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=search) for _ in range(4)]
    for t in threads:
        t.start()
    fresh.add_many({"id": f"w{i}", "title": f"escritura {i}", "visibility": "public"} for i in range(30))
    for t in threads:
        t.join()
    assert errors == []
    assert fresh.count() == len(CORPUS) + 30


# --- opening, corruption ------------------------------------------------------


def test_missing_index_is_created_and_flagged(tmp_path):
    index = SearchIndex(tmp_path / "does" / "not" / "exist")
    assert index.created and index.count() == 0 and index.doc_ids() == set()
    assert index.search("").total == 0 and index.search("transparencia").total == 0
    index.add_many(CORPUS[:3])
    again = SearchIndex(tmp_path / "does" / "not" / "exist")
    assert not again.created and again.count() == 3


def _toc(path):
    return next(path.glob("_MAIN_*.toc"))


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: _toc(p).write_bytes(_toc(p).read_bytes()[:40]),
        lambda p: _toc(p).unlink(),
        lambda p: [seg.unlink() for seg in p.glob("MAIN_*.seg")],
        lambda p: (p / "evidence_index.json").write_text(json.dumps({"schema_version": 0})),
    ],
    ids=["truncated-toc", "deleted-toc", "deleted-segments", "other-analyzer-version"],
)
def test_corrupt_index_is_detected_and_can_be_rebuilt(tmp_path, damage):
    path = tmp_path / "index"
    SearchIndex(path).add_many(CORPUS)
    damage(path)
    with pytest.raises(IndexCorrupt):
        SearchIndex(path)
    index = SearchIndex(path, reset_if_corrupt=True)
    assert index.created and index.count() == 0
    index.rebuild(CORPUS)
    assert SearchIndex(path).doc_ids() == ALL_IDS


def test_corruption_after_opening_surfaces_as_index_corrupt(tmp_path):
    path = tmp_path / "index"
    index = SearchIndex(path)
    index.add_many(CORPUS)
    _toc(path).unlink()
    with pytest.raises(IndexCorrupt):
        index.search("transparencia")
    index.rebuild(CORPUS)
    assert index.search("transparencia").total > 0


# --- size -------------------------------------------------------------------


def test_two_thousand_documents(tmp_path):
    rng = random.Random(7)
    words = (
        "transparencia rendición cuentas participación ciudadana gobierno abierto plan acción "
        "compromiso datos abiertos contrataciones presupuesto municipio organizaciones sociedad "
        "civil minuta reunión convocatoria relatoría informe capacitación padrón beneficiarios"
    ).split()
    docs = [
        {
            "id": i,
            "title": " ".join(rng.choices(words, k=5)),
            "text": " ".join(rng.choices(words, k=60)),
            "milestone": i % 10,
            "means": rng.choice(["Minuta", "Informe", "Lista de asistencia"]),
            "date": date(2020 + i % 5, 1 + i % 12, 1 + i % 28),
            "file_type": rng.choice(["pdf", "docx"]),
            "visibility": "public" if i % 4 else "restricted",
        }
        for i in range(2000)
    ]
    index = SearchIndex(tmp_path / "index")
    assert index.rebuild(docs) == 2000
    assert index.count() == 2000 and len(index.doc_ids()) == 2000
    results = index.search("participacion ciudadana", page=3, per_page=20)
    assert 0 < results.total <= 1500 and len(results.hits) == 20
    assert sum(results.facets["year"].values()) == results.total
    assert index.search("", visibility=STAFF).total == 2000
