"""``public_evidence_clause`` is ``policy.can_see_evidence`` for the public, in SQL: lists built with one and pages
guarded by the other must agree on every kind of evidence, or a list would name what its page hides (or hide
what it shows)."""
from __future__ import annotations

import io

from sqlalchemy import select

from evidence_repo.accounts.models import User
from evidence_repo.evidence.models import Evidence
from evidence_repo.evidence.operations import public_evidence_clause
from evidence_repo.evidence.public_version import add_public_version
from evidence_repo.evidence.withdrawal import withdraw
from evidence_repo.policy import can_see_evidence
from evidence_repo.services import services
from tests.helpers import upload


def test_the_sql_rule_and_the_policy_agree_on_every_kind_of_evidence(app, client, session, staff_token):
    made = {name: upload(client, staff_token, 3, "Lista de asistencia", name, visibility)
            for name, visibility in [("publica", "public"), ("restringida", "restricted"),
                                     ("testada", "restricted"), ("retirada", "public"),
                                     ("testada-retirada", "restricted")]}
    staff = session.scalars(select(User).where(User.email == "carga@jalisco.gob.mx")).one()
    for name in ("testada", "testada-retirada"):
        add_public_version(session, services(app).blobs, session.get(Evidence, made[name]),
                           io.BytesIO(b"Lista [testado]"), "lista-testada.txt", staff)
    for name in ("retirada", "testada-retirada"):
        withdraw(session, session.get(Evidence, made[name]), staff, "Se subió por error")
    session.commit()
    session.expire_all()

    listed = set(session.scalars(select(Evidence.id).where(public_evidence_clause())))
    allowed = {e.id for e in session.scalars(select(Evidence)) if can_see_evidence(None, e)}
    assert listed == allowed == {made["publica"], made["testada"]}
