"""Each rule has one home; every place that needs it gets the same answer from it."""
from __future__ import annotations

import datetime as dt
import hashlib
from types import SimpleNamespace

import pytest
from flask_babel import force_locale
from markupsafe import escape
from sqlalchemy import select

from evidence_repo import dates, rich_text
from evidence_repo.compliance import status
from evidence_repo.compliance.engine import assess
from evidence_repo.compliance.load import evidence_infos, load_inputs
from evidence_repo.evidence.models import Evidence, EvidenceFile, EvidenceReview
from evidence_repo.evidence.operations import EvidenceError, EvidenceInput, resolve
from evidence_repo.plan.document import PlanFileError, parse_plan
from evidence_repo.plan.models import Milestone, VerificationMeans
from evidence_repo.plan.names import fold
from evidence_repo.templating import rich_text as rich_text_html
from indexer.analysis import fold as index_fold

UTC = dt.UTC


def at(day: str, hour: int = 12) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


# ---------------------------------------------------------------------------------------- review state

def test_model_and_engine_agree_on_review_state_as_of(session):
    """Evidence.review_state_on (pages, report) and the engine's inputs (cells, percent) share one rule."""
    milestone = session.scalar(select(Milestone).where(Milestone.number == 3))
    means = session.scalar(select(VerificationMeans).where(VerificationMeans.name == "Minuta"))
    evidence = Evidence(milestone=milestone, means=means, title="Minuta", created_at=at("2019-10-01"))
    for version, day in ((1, "2019-10-01"), (2, "2019-10-20")):
        evidence.files.append(EvidenceFile(version=version, sha256=hashlib.sha256(day.encode()).hexdigest(), size=1,
                                           mime_type="text/plain", original_name="minuta.txt", uploaded_at=at(day)))
    session.add(evidence)
    session.flush()
    session.add_all([
        EvidenceReview(evidence_id=evidence.id, file_version=1, state="observada", comment="sin firma",
                       at=at("2019-10-05")),
        EvidenceReview(evidence_id=evidence.id, file_version=1, state="validada", at=at("2019-10-10")),
        EvidenceReview(evidence_id=evidence.id, file_version=2, state="validada", at=at("2019-11-01")),
    ])
    session.commit()
    session.expire_all()
    evidence = session.get(Evidence, evidence.id)
    info = next(e for e in evidence_infos(session) if e.id == evidence.id)
    expected = {"2019-10-04": "pendiente", "2019-10-05": "observada", "2019-10-15": "validada",
                "2019-10-20": "pendiente", "2019-10-31": "pendiente", "2019-11-01": "validada"}
    for day, state in expected.items():
        as_of = dt.date.fromisoformat(day)
        assert evidence.review_state_on(as_of) == status.review_state(info.reviews, as_of) == state, day
    assert evidence.review_state == "validada" and evidence.review is not None and evidence.review.file_version == 2


def test_replacement_resets_a_decision_made_at_the_same_moment():
    moment = at("2026-01-10")
    history = status.review_history([(moment, "validada")], [moment])
    assert status.review_state(history) == "pendiente"
    assert status.review_state(history, dt.date(2026, 1, 9)) == "pendiente"


# -------------------------------------------------------------------------------------------- due date

def test_milestone_due_date_is_the_engine_due_date(session):
    inputs = load_inputs(session)
    assessed = {m.number: m.due for m in assess(inputs.milestones, [], dt.date(2026, 1, 1)).milestones}
    assert {m.number: m.due_date for m in inputs.commitment.milestones} == assessed
    assert assessed[3] == dt.date(2019, 10, 17) and assessed[9] is None


@pytest.mark.parametrize("dates_, expected", [
    ([], None), ([None], None), ([dt.date(2026, 1, 1), None], None),
    ([dt.date(2026, 3, 1), dt.date(2026, 1, 1)], dt.date(2026, 3, 1)),
])
def test_due_date(dates_, expected):
    assert status.due_date(dates_) == expected


# ----------------------------------------------------------------------------------------------- labels

def test_labels_translate_with_the_request(app):
    assert str(status.STATUS_LABELS["vencido"]) == "Vencido"  # no app: Spanish
    with app.test_request_context("/?lang=en"):
        assert str(status.STATUS_LABELS["vencido"]) == "Overdue"
        assert str(status.CELL_LABELS["faltante"]) == "Missing"
        assert str(status.REVIEW_LABELS["observada"]) == "Flagged"
    with app.app_context():  # CLI commands: no request, Spanish
        assert str(status.STATUS_LABELS["sin_fecha"]) == "Sin fecha"
        with force_locale("en"):
            assert str(status.STATUS_LABELS["sin_fecha"]) == "No date"


def test_session_and_missing_labels(app):
    """One way to name a session everywhere (matrix, milestone page, CSV, reports): its name, else its date."""
    named, dated, undated = (SimpleNamespace(name="Reunión de seguimiento", date=dt.date(2019, 10, 17)),
                             SimpleNamespace(name=None, date=dt.date(2019, 11, 25)),
                             SimpleNamespace(name="", date=None))
    assert [status.session_label(a) for a in (named, dated, undated)] == [
        "Reunión de seguimiento", "Sesión del 25/11/19", "Sesión por definir"]
    assert status.missing_label("Lista de asistencia", dated) == "Lista de asistencia — Sesión del 25/11/19"
    assert status.missing_label("Informe final", None) == "Informe final"
    with app.test_request_context("/?lang=en"):
        assert status.missing_label("Lista de asistencia", dated) == "Lista de asistencia — Session of 25/11/19"
        assert status.session_label(undated) == "Session to be defined"


# -------------------------------------------------------------------------------------- requirement scope

def test_plan_infos_carry_each_requirement_scope(session, monkeypatch):
    from evidence_repo.compliance import load

    # TODO(plans-model): until Requirement.scope exists, a row without it is "milestone" (the rule before scopes).
    assert load.requirement_scope(SimpleNamespace(scope="each_activity")) == "each_activity"  # type: ignore[arg-type]
    monkeypatch.setattr(load, "requirement_scope",
                        lambda r: "each_activity" if r.means.name == "Lista de asistencia" else "milestone")
    infos = {m.number: m for m in load.load_inputs(session).milestones}
    assert [(r.means, r.scope) for r in infos[6].requirements] == [
        ("Convocatoria", "milestone"), ("Lista de asistencia", "each_activity"), ("Memoria fotográfica", "milestone"),
        ("Minuta", "milestone")]
    assert len(infos[6].activities) == 2


# ------------------------------------------------------------------------------------------------ dates

def test_typed_dates_and_plan_dates_share_one_parser():
    assert dates.parse_typed_date("15/03/25") == dt.date(2025, 3, 15)
    assert dates.parse_typed_date(" 2019-10-17 ") == dt.date(2019, 10, 17)
    assert dates.parse_as_of("", dt.date(2026, 1, 1)) == dt.date(2026, 1, 1)
    with pytest.raises(ValueError, match="Fecha inválida"):
        dates.parse_typed_date("31/02/2025")
    plan = {"plan": {"title": "P"}, "commitment": {"title": "C", "milestones": [
        {"number": 1, "objective": "O",
         "activities": [{"name": "A", "date": "15/03/25"}, {"name": "B", "date": "PD"}]}]}}
    activities = parse_plan(plan).commitment.milestones[0].activities
    assert [a.date for a in activities] == [dt.date(2025, 3, 15), None]
    plan["commitment"]["milestones"][0]["activities"][0]["date"] = "3000-01-01"  # the typed-date year range applies
    with pytest.raises(PlanFileError, match="fecha inválida"):
        parse_plan(plan)


def test_long_date_follows_the_language(app):
    day = dt.date(2019, 10, 17)
    assert dates.long_date(day) == "17 de octubre de 2019"
    assert dates.long_date(None) == "Por definir"
    with app.test_request_context("/?lang=en"):
        assert dates.long_date(day) == "October 17, 2019"
        assert dates.long_date(None) == "To be defined"


# ---------------------------------------------------------------------------------------- text folding

@pytest.mark.parametrize("text", ["Relatorías  por Mesa", "  Compañía Ünica ", "Memoria fotográfica", "STRAẞE"])
def test_name_folding_is_the_index_folding(text):
    assert fold(text) == " ".join(index_fold(text.casefold()).split())
    assert fold("Relatorías  por Mesa") == "relatorias por mesa"


# -------------------------------------------------------------------------------------------- rich text

def test_one_rich_text_parser_for_html_and_reports():
    text = "Intro <b>\n- uno\n• dos\n* tres\n\nCierre"
    assert rich_text.parse(text) == [rich_text.Paragraph("Intro <b>"), rich_text.BulletList(("uno", "dos", "tres")),
                                      rich_text.Paragraph("Cierre")]
    assert str(rich_text_html(text)) == ("<p>Intro &lt;b&gt;</p><ul><li>uno</li><li>dos</li><li>tres</li></ul>"
                                         "<p>Cierre</p>")
    assert rich_text.first_line("\n- Publicar\n- Recibir") == "Publicar"
    assert rich_text.first_line("  \n") is None and rich_text_html(None) == ""


# ------------------------------------------------------------------------------------------ domain errors

def test_domain_errors_are_translated_plain_text(app, session):
    data = EvidenceInput(milestone="<b>", means="Minuta")
    with pytest.raises(EvidenceError) as spanish:
        resolve(session, data)
    assert spanish.value.message == str(spanish.value) == "La meta «<b>» no es un número."  # no request: Spanish
    with app.test_request_context("/?lang=en"):
        assert spanish.value.message == "The milestone «<b>» is not a number."  # rendered when read
        with pytest.raises(EvidenceError) as english:
            resolve(session, data)
        assert english.value.problems == {"milestone": "The milestone «<b>» is not a number."}
        message = english.value.message
        assert type(message) is str and "&lt;b&gt;" in escape(message)  # plain text: templates escape it
