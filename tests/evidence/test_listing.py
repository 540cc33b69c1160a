"""The lists people work through: filters combine, sort and page; the review state follows the engine's rule;
the committee's queue goes oldest first and "siguiente" never loops on the item just decided."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from evidence_repo.evidence import listing
from evidence_repo.evidence.models import Evidence
from evidence_repo.evidence.review import review_evidence
from evidence_repo.plan.models import VerificationMeans
from tests.helpers import csrf_token, login

SLUG = "jalisco-apoyo-organizaciones-sociedad-civil"


def post(client, token, milestone, means, title, visibility="public", description=""):
    r = client.post("/api/v1/evidence", headers={"Authorization": f"Bearer {token}"},
                    content_type="multipart/form-data",
                    data={"milestone": str(milestone), "means": means, "visibility": visibility, "title": title,
                          "description": description, "file": (io.BytesIO(title.encode()), "evidencia.txt")})
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.get_json()["id"]


@pytest.fixture
def items(client, staff_token):
    """Five pieces of evidence, oldest first: two of milestone 3, one restricted, one withdrawn later by a test."""
    return {
        "convocatoria": post(client, staff_token, 3, "Convocatoria", "Convocatoria a la sesión 100% abierta"),
        "lista": post(client, staff_token, 3, "Lista de asistencia", "Lista de asistencia firmada",
                      visibility="restricted"),
        "fotos": post(client, staff_token, 6, "Memoria fotográfica", "Fotos del foro", description="Plaza Tapatía"),
        "informe": post(client, staff_token, 11, "Informe final", "Informe final del compromiso"),
        "minuta": post(client, staff_token, 6, "Minuta", "Minuta de la mesa_2"),
    }


def following(session, filters, after=None):
    return listing.next_in_queue(session, filters, after, include_restricted=True)


def position(session, filters, evidence):
    return listing.queue_position(session, filters, evidence, include_restricted=True)


def titles(page):
    return [e.title for e in page.rows]


def ids(page):
    return [e.id for e in page.rows]


def test_filters_combine_and_restricted_stays_out_for_the_public(session, items):
    everything = listing.evidence_page(session, listing.EvidenceFilters(), include_restricted=True)
    assert everything.total == 5 and ids(everything)[0] == items["minuta"]  # newest first
    public = listing.evidence_page(session, listing.EvidenceFilters(), include_restricted=False)
    assert items["lista"] not in ids(public) and public.total == 4

    m3 = listing.parse({"compromiso": SLUG, "meta": "3"})
    assert set(ids(listing.evidence_page(session, m3, include_restricted=True))) == {items["convocatoria"],
                                                                                      items["lista"]}
    assert ids(listing.evidence_page(session, m3, include_restricted=False)) == [items["convocatoria"]]
    restricted = listing.parse({"meta": "3", "visibilidad": "restricted"})
    assert ids(listing.evidence_page(session, restricted, include_restricted=True)) == [items["lista"]]
    means = session.scalar(select(VerificationMeans.id).where(VerificationMeans.name == "Memoria fotográfica"))
    by_means_and_text = listing.parse({"medio": str(means), "texto": "  plaza   TAPATÍA "})
    assert ids(listing.evidence_page(session, by_means_and_text, include_restricted=True)) == [items["fotos"]]
    # LIKE's wildcards are the visitor's text, not patterns
    assert ids(listing.evidence_page(session, listing.parse({"texto": "100%"}), include_restricted=True)) == \
        [items["convocatoria"]]
    assert ids(listing.evidence_page(session, listing.parse({"texto": "mesa_2"}), include_restricted=True)) == \
        [items["minuta"]]
    assert listing.evidence_page(session, listing.parse({"texto": "_"}), include_restricted=True).total == 1


@pytest.mark.parametrize("typed", ["tapatia", "TAPATIA", "Tapatía", "plaza tapatía", "sesion 100%", "SESIÓN"])
def test_the_text_filter_ignores_case_and_accents_on_both_databases(session, items, typed):
    """Staff type without accents (or in capitals): the list must still find "Plaza Tapatía", "sesión"."""
    found = ids(listing.evidence_page(session, listing.parse({"texto": typed}), include_restricted=True))
    expected = items["convocatoria"] if "ses" in typed.lower() else items["fotos"]
    assert found == [expected]


def test_title_order_ignores_accents(session, client, staff_token, items):
    post(client, staff_token, 11, "Informe final", "Álbum de la sesión")
    first = titles(listing.evidence_page(session, listing.parse({"orden": "titulo"}), include_restricted=True))[0]
    assert first == "Álbum de la sesión"  # among the a's, not after the z's


def test_uploaded_by_me_and_by_someone_else(session, items, make_user):
    uploader = session.scalar(select(Evidence.uploaded_by_id).where(Evidence.id == items["fotos"]))
    other = make_user("otra@jalisco.gob.mx", "staff")
    assert listing.evidence_page(session, listing.parse({"subida_por": "yo"}, me=uploader),
                                 include_restricted=True).total == 5
    assert listing.evidence_page(session, listing.parse({"subida_por": "yo"}, me=other.id),
                                 include_restricted=True).total == 0
    assert listing.evidence_page(session, listing.parse({"subida_por": str(uploader)}),
                                 include_restricted=True).total == 5


def test_sorting(session, items):
    def order(sort):
        return titles(listing.evidence_page(session, listing.parse({"orden": sort}), include_restricted=True))

    assert order("titulo") == sorted(order("titulo"), key=str.lower)
    assert order("antiguas") == list(reversed(order("recientes")))
    assert order("antiguas")[0] == "Convocatoria a la sesión 100% abierta"
    assert [t.split()[0] for t in order("meta")] == ["Lista", "Convocatoria", "Minuta", "Fotos", "Informe"]
    assert order("nonsense") == order("recientes")


def test_pages_are_bounded(session, items):
    first = listing.evidence_page(session, listing.EvidenceFilters(), include_restricted=True, page=1, per_page=2)
    assert first.pages == 3 and len(first.rows) == 2 and first.numbers() == [1, 2, 3]
    last = listing.evidence_page(session, listing.EvidenceFilters(), include_restricted=True, page=10**6, per_page=2)
    assert last.page == 3 and len(last.rows) == 1
    for bad in ("0", "-1", "abc", "9" * 40, "2147483648", "", None, "1e3", "²"):
        assert listing.page_number(bad) == 1, bad
    assert listing.page_number("2147483647") == 2147483647
    wide = listing.EvidencePage([], total=1000, page=25, per_page=10)
    assert wide.numbers() == [1, None, 23, 24, 25, 26, 27, None, 100]


def test_review_state_is_the_engines(app, session, items, make_user, client):
    """Observed, validated, and reset to pendiente by a replaced file: what the evidence page itself says."""
    member = make_user("comite@jalisco.gob.mx", "committee")
    for key, state, comment in (("fotos", "observada", "Faltan fechas"), ("informe", "validada", None)):
        review_evidence(session, session.get(Evidence, items[key]), state, comment, member)
    session.commit()
    staff = app.test_client()
    make_user("editor@jalisco.gob.mx", "staff")
    login(staff, "editor@jalisco.gob.mx")
    token = csrf_token(staff, f"/personal/evidencias/{items['informe']}/editar")
    r = staff.post(f"/personal/evidencias/{items['informe']}/reemplazar", content_type="multipart/form-data",
                   data={"csrf_token": token, "replace-file": (io.BytesIO(b"otra version"), "informe-v2.txt")})
    assert r.status_code == 302
    session.expire_all()

    def state(value):
        return set(ids(listing.evidence_page(session, listing.parse({"estado": value}), include_restricted=True)))

    assert state("observada") == {items["fotos"]}
    assert state("validada") == set()  # the replacement reset it
    assert state("pendiente") == {items["convocatoria"], items["lista"], items["informe"], items["minuta"]}
    for evidence_id in items.values():
        e = session.get(Evidence, evidence_id)
        assert evidence_id in state(e.review_state)


def test_queue_goes_oldest_first_and_next_never_repeats(session, items, make_user):
    member = make_user("comite@jalisco.gob.mx", "committee")
    everything = listing.EvidenceFilters()
    queue = listing.queue_page(session, everything, include_restricted=True)
    assert ids(queue) == [items[k] for k in ("convocatoria", "lista", "fotos", "informe", "minuta")]
    public = listing.queue_page(session, everything, include_restricted=False)
    assert items["lista"] not in ids(public) and public.total == 4
    first = session.get(Evidence, items["convocatoria"])
    assert following(session, everything) == first.id
    assert position(session, everything, session.get(Evidence, items["fotos"])) == (3, 5)

    review_evidence(session, first, "validada", None, member)
    session.commit()
    assert following(session, everything, first) == items["lista"]
    assert position(session, everything, first) is None  # decided: out of the queue

    m6 = listing.parse({"compromiso": SLUG, "meta": "6"})
    assert ids(listing.queue_page(session, m6, include_restricted=True)) == [items["fotos"], items["minuta"]]
    minuta = session.get(Evidence, items["minuta"])
    assert following(session, m6, minuta) == items["fotos"]  # wraps round to the oldest
    fotos = session.get(Evidence, items["fotos"])
    review_evidence(session, fotos, "observada", "Sin pie de foto", member)
    session.commit()
    assert following(session, m6, fotos) == items["minuta"]
    review_evidence(session, minuta, "validada", None, member)
    session.commit()
    assert following(session, m6, minuta) is None  # the filtered queue is empty
    assert listing.queue_page(session, m6, include_restricted=True).total == 0


def test_withdrawn_evidence_waits_for_nobody(app, session, items, make_user):
    from evidence_repo.evidence import withdrawal

    staff = make_user("editor@jalisco.gob.mx", "staff")
    withdrawal.withdraw(session, session.get(Evidence, items["informe"]), staff, "Duplicada")
    session.commit()
    assert items["informe"] not in ids(listing.queue_page(session, listing.EvidenceFilters(), include_restricted=True))
    public = listing.evidence_page(session, listing.parse({"visibilidad": "withdrawn"}), include_restricted=False)
    assert public.total == 0
    staff_view = listing.evidence_page(session, listing.parse({"visibilidad": "withdrawn"}), include_restricted=True)
    assert ids(staff_view) == [items["informe"]]
