"""Contract: adding, replacing, deleting and rebuilding; several writers."""

from __future__ import annotations

import random
import threading
from datetime import date

import pytest

from indexer import SearchBackend
from tests.indexer.corpus import ALL_IDS, CORPUS, PUBLIC, STAFF, all_ids, ids


def test_a_backend_follows_the_protocol(backend):
    assert isinstance(backend, SearchBackend)


def test_missing_index_is_created_and_flagged(backend_factory, tmp_path):
    place = tmp_path / "does" / "not" / "exist"
    index = backend_factory.open(place)
    assert index.created and index.count() == 0 and index.doc_ids() == set()
    assert index.search("", visibility=PUBLIC).total == 0
    assert index.search("transparencia", visibility=STAFF).total == 0
    assert index.add(CORPUS[:3]) == 3
    again = backend_factory.open(place)
    assert not again.created and again.count() == 3
    index.close()
    again.close()


def test_update_by_id(fresh):
    before = fresh.count()
    old = next(d for d in CORPUS if d["id"] == "d08")
    assert all_ids(fresh, "septiembre") == {"d08"}
    fresh.add([dict(old, title="Convocatoria al hackatón cívico", text="Registro de proyectos.")])
    assert fresh.count() == before
    assert all_ids(fresh, "hackaton") == {"d08"}
    assert all_ids(fresh, "septiembre") == set()


def test_repeated_id_in_one_batch_keeps_the_last(fresh):
    assert fresh.add([
        {"id": "x1", "title": "versión zafiro", "visibility": "public"},
        {"id": "x1", "title": "versión rubí", "visibility": "public"},
    ]) == 1
    assert all_ids(fresh, "rubi") == {"x1"}
    assert all_ids(fresh, "zafiro") == set()
    assert "x1" in fresh.doc_ids()


def test_delete(fresh):
    assert fresh.delete(["d03", "d04", "nope"]) == 2
    assert fresh.count() == len(CORPUS) - 2
    assert fresh.doc_ids() == ALL_IDS - {"d03", "d04"}
    assert "d03" not in all_ids(fresh, "metodologia")
    assert fresh.delete([]) == 0
    fresh.delete(ALL_IDS)
    assert fresh.doc_ids() == set() and fresh.count() == 0


def test_doc_ids_and_count(fresh):
    assert fresh.doc_ids() == ALL_IDS
    assert fresh.count() == len(CORPUS)


def test_ids_are_strings(backend):
    backend.add([{"id": 7, "title": "siete", "visibility": "public"}])
    assert backend.doc_ids() == {"7"}
    assert ids(backend.search("siete", visibility=PUBLIC)) == {"7"}
    assert backend.delete([7]) == 1


@pytest.mark.parametrize(
    "bad",
    [{"title": "sin id"}, {"id": "", "title": "vacío"}, {"id": "z", "unknown_key": 1},
     {"id": "z", "date": "ayer"}],
)
def test_invalid_documents_are_rejected(backend, bad):
    with pytest.raises(ValueError):
        backend.add([bad])
    assert backend.count() == 0


def test_dates_may_be_dates_datetimes_or_iso_strings(backend):
    backend.add([
        {"id": "a", "title": "uno", "date": date(2021, 3, 4), "visibility": "public"},
        {"id": "b", "title": "dos", "date": "2022-05-06T10:00:00+02:00", "visibility": "public"},
    ])
    hits = {h.id: h.date for h in backend.search("", visibility=PUBLIC).hits}
    assert hits == {"a": date(2021, 3, 4), "b": date(2022, 5, 6)}
    assert backend.search("", visibility=PUBLIC).facets["year"] == {"2021": 1, "2022": 1}


def test_rebuild_replaces_everything_and_reports_progress(fresh):
    progress = []
    new_docs = ({"id": f"n{i}", "title": f"nuevo documento {i}", "visibility": "public"} for i in range(20))
    assert fresh.rebuild(new_docs, progress=progress.append) == 20
    assert fresh.doc_ids() == {f"n{i}" for i in range(20)}
    assert progress and progress == sorted(progress) and progress[-1] == 20
    assert fresh.search("padron", visibility=PUBLIC).total == 0


def test_rebuild_skips_repeated_ids(backend):
    docs = [{"id": "a", "title": "zafiro"}, {"id": "a", "title": "rubí"}, {"id": "b", "title": "perla"}]
    assert backend.rebuild(docs) == 2
    assert backend.count() == 2
    assert all_ids(backend, "zafiro", visibility=STAFF) == {"a"}
    assert all_ids(backend, "rubi", visibility=STAFF) == set()


def test_concurrent_writers(backend_factory, tmp_path):
    place = tmp_path / "index"
    backend_factory.open(place).close()
    errors = []

    def write(n):
        try:
            index = backend_factory.open(place)
            index.add({"id": f"t{n}-{i}", "title": f"hilo {n}", "visibility": "public"} for i in range(15))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert backend_factory.open(place).count() == 60


def test_searching_while_writing(fresh):
    errors = []

    def search():
        try:
            for q in ("participaciones", "transpar*", "reunion de instalasion", ""):
                fresh.search(q, visibility=PUBLIC)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=search) for _ in range(4)]
    for t in threads:
        t.start()
    fresh.add({"id": f"w{i}", "title": f"escritura {i}", "visibility": "public"} for i in range(30))
    for t in threads:
        t.join()
    assert errors == []
    assert fresh.count() == len(CORPUS) + 30


def test_writes_by_another_instance_are_seen(backend_factory, tmp_path):
    place = tmp_path / "index"
    reader = backend_factory.open(place)
    reader.rebuild(CORPUS)
    assert reader.search("hackaton", visibility=PUBLIC).total == 0
    writer = backend_factory.open(place)
    writer.add([{"id": "h1", "title": "Hackatón cívico", "visibility": "public"}])
    assert ids(reader.search("hackaton", visibility=PUBLIC)) == {"h1"}
    writer.delete(["h1"])
    assert reader.search("hackaton", visibility=PUBLIC).total == 0


def test_two_thousand_documents(backend):
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
    assert backend.rebuild(docs) == 2000
    assert backend.count() == 2000 and len(backend.doc_ids()) == 2000
    results = backend.search("participacion ciudadana", visibility=PUBLIC, page=3, per_page=20)
    assert 0 < results.total <= 1500 and len(results.hits) == 20
    assert sum(results.facets["year"].values()) == results.total
    assert backend.search("", visibility=STAFF).total == 2000


def test_doc_states_tell_visibility_title_and_commitment_as_indexed(fresh):
    states = fresh.doc_states()
    assert set(states) == fresh.doc_ids()
    restricted = next(d for d in CORPUS if d["visibility"] == "restricted")
    assert states[restricted["id"]]["visibility"] == "restricted"
    assert states[restricted["id"]]["title"] == restricted["title"]
    fresh.add([dict(restricted, visibility="public", title="Otro título", commitment="otro-compromiso")])
    assert fresh.doc_states()[restricted["id"]] == {"visibility": "public", "title": "Otro título",
                                                    "commitment": "otro-compromiso"}
    fresh.delete([restricted["id"]])
    assert restricted["id"] not in fresh.doc_states()


QUERIES_AFTER_WARMING = ["transparencia", "informe presupuesto", '"lista de asistencia"', "minuta OR relatoria", ""]


def test_reading_ahead_changes_no_answer(backend_factory, tmp_path):
    """warm() only reads ahead: every answer (totals, order, facets, suggestions) is the one a cold process gives,
    and writes after it are seen."""
    place = tmp_path / "index"
    writer = backend_factory.open(place)
    writer.add(CORPUS)
    cold = backend_factory.open(place)
    warmed = backend_factory.open(place)
    assert warmed.warm() >= 0
    for levels in (PUBLIC, STAFF):
        for q in QUERIES_AFTER_WARMING:
            a, b = cold.search(q, visibility=levels), warmed.search(q, visibility=levels)
            assert (a.total, [h.id for h in a.hits], a.facets, a.suggestion) == (
                b.total, [h.id for h in b.hits], b.facets, b.suggestion), q
    writer.delete(["d08"])
    writer.add([dict(CORPUS[0], id="nuevo", title="Minuta del hackatón cívico")])
    assert all_ids(warmed, "hackaton") == {"nuevo"}
    assert "d08" not in all_ids(warmed, "septiembre") | set(warmed.doc_ids())
    for index in (writer, cold, warmed):
        index.close()
