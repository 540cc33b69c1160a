"""Mail about agreements: staff hear of a new one; the committee gets a weekly digest of what became vencido."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from evidence_repo.audit import AuditRecord
from evidence_repo.committee.agreements import record_agreement
from evidence_repo.committee.models import DigestEntry
from evidence_repo.plan.operations import load_commitment
from tests.helpers import csrf_token, login

SLUG = "jalisco-apoyo-organizaciones-sociedad-civil"
PAGE = f"/compromisos/{SLUG}/acuerdos"


@pytest.mark.mail
def test_staff_hear_of_a_new_agreement_by_mail(app, make_user, worker, smtp_sink):
    make_user("comite-staff@jalisco.gob.mx", "committee,staff")  # records it: not told of their own agreement
    make_user("staff@jalisco.gob.mx", "staff")
    make_user("comite@jalisco.gob.mx", "committee")
    client = app.test_client()
    login(client, "comite-staff@jalisco.gob.mx")
    r = client.post(f"/comite/compromisos/{SLUG}/acuerdos", data={
        "csrf_token": csrf_token(client, PAGE), "milestone": "5", "text": "Enviar el padrón depurado al comité.",
        "institution": "Subdirección de Vinculación con OSC", "due": "2019-12-01"})
    assert r.status_code == 302
    assert smtp_sink.messages == []  # queued with the agreement, sent by the worker
    worker.drain()
    [message] = smtp_sink.wait_for(1)
    assert message["To"] == "staff@jalisco.gob.mx"
    assert message["Subject"] == ("Nuevo acuerdo del comité para Subdirección de Vinculación con OSC "
                                  "(vence el 1 de diciembre de 2019)")
    body = message.get_content()
    assert "Enviar el padrón depurado al comité." in body and "meta 5" in body
    assert f"http://localhost{PAGE}" in body


def _agreement(app, session, user, due: str, text: str):
    commitment = load_commitment(session, SLUG)
    agreement = record_agreement(session, commitment, milestone_number=3, text=text, institution="SSAS", due=due,
                                 user=user)
    session.commit()
    return agreement


@pytest.mark.mail
def test_the_weekly_digest_tells_the_committee_what_became_vencido_once(app, session, make_user, worker, smtp_sink):
    member = make_user("comite@jalisco.gob.mx", "committee")
    make_user("staff@jalisco.gob.mx", "staff")
    _agreement(app, session, member, "2019-11-15", "Publicar la minuta.")
    runner = app.test_cli_runner()

    first = runner.invoke(args=["digest", "--as-of", "2019-12-01"])
    assert first.exit_code == 0, first.output
    assert "Resumen en cola para 1 integrantes del comité" in first.output
    worker.drain()
    [digest] = smtp_sink.wait_for(1)
    assert digest["To"] == "comite@jalisco.gob.mx"  # the committee, not staff
    body = digest.get_content()
    assert "Acuerdo 1" in body and "Publicar la minuta." in body and "15 de noviembre de 2019" in body
    assert "Meta 4 de «" in body  # milestone 4 was due 2019-10-29 and has no evidence
    assert "Meta 7 de «" not in body  # due 2019-12-13: not yet

    again = runner.invoke(args=["digest", "--as-of", "2019-12-01"])
    assert again.exit_code == 0 and "Nada nuevo vencido" in again.output
    worker.drain()
    assert len(smtp_sink.messages) == 1  # nothing sent twice

    _agreement(app, session, member, "2019-12-10", "Invitar a la academia.")
    later = runner.invoke(args=["digest", "--as-of", "2019-12-20"])
    assert later.exit_code == 0, later.output
    worker.drain()
    body = smtp_sink.wait_for(2)[1].get_content()
    assert "Invitar a la academia." in body and "Meta 7 de «" in body
    assert "Publicar la minuta." not in body and "Meta 4 de «" not in body  # already told
    assert session.scalars(select(AuditRecord).where(AuditRecord.action == "committee.digest")).all()


def test_without_mail_the_digest_says_so_and_remembers_nothing(app, session, make_user):
    _agreement(app, session, make_user("comite@jalisco.gob.mx", "committee"), "2019-11-15", "Publicar la minuta.")
    result = app.test_cli_runner().invoke(args=["digest"])
    assert result.exit_code != 0 and "El correo no está configurado" in result.output
    assert session.scalars(select(DigestEntry)).all() == []


@pytest.mark.mail
def test_a_digest_nobody_can_receive_is_kept_for_later(app, session, make_user, smtp_sink):
    staff = make_user("staff@jalisco.gob.mx", "staff")
    _agreement(app, session, staff, "2019-11-15", "Publicar la minuta.")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["digest", "--as-of", "2019-12-01"])
    assert result.exit_code != 0 and "no hay cuentas del comité" in result.output
    assert session.scalars(select(DigestEntry)).all() == []
    bad = runner.invoke(args=["digest", "--as-of", "31/02/2019"])
    assert bad.exit_code != 0 and "Fecha inválida" in bad.output

