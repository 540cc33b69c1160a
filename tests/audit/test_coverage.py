"""State changes outside evidence and the plan are audited too: sign-ins (failed ones included), sign-outs,
index rebuilds; commands name their operator."""
from __future__ import annotations

from sqlalchemy import select

from evidence_repo.audit import AuditRecord
from evidence_repo.services import services
from tests.helpers import csrf_token, login


def actions(app) -> list[tuple[str, int | None, str | None, dict | None]]:
    with services(app).sessions() as s:
        rows = s.scalars(select(AuditRecord).order_by(AuditRecord.id)).all()
        return [(r.action, r.user_id, r.actor, r.after) for r in rows]


def test_sign_ins_failures_and_sign_outs_are_audited(app, client, make_user):
    user = make_user("staff@jalisco.gob.mx", "staff")
    assert login(client, "staff@jalisco.gob.mx", "equivocada-123").status_code == 401
    assert login(client, "nadie@jalisco.gob.mx", "equivocada-123").status_code == 401
    login(client, "staff@jalisco.gob.mx")
    client.post("/salir", data={"csrf_token": csrf_token(client, "/")})
    recorded = [a for a in actions(app) if a[0].startswith("auth.")]
    assert recorded == [
        ("auth.login_failed", None, "web", {"email": "staff@jalisco.gob.mx"}),
        ("auth.login_failed", None, "web", {"email": "nadie@jalisco.gob.mx"}),
        ("auth.login", user.id, None, None),
        ("auth.logout", user.id, None, None),
    ]
    assert app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0


def test_commands_record_their_operator(app, monkeypatch):
    monkeypatch.setenv("EVIDENCE_REPO_OPERATOR", "operadora@jalisco.gob.mx")
    result = app.test_cli_runner().invoke(args=["reindex"])
    assert result.exit_code == 0, result.output
    assert ("index.rebuild", None, "operadora@jalisco.gob.mx") in [a[:3] for a in actions(app)]


def test_token_commands_name_the_operator_beside_the_owner(app, make_user, monkeypatch):
    owner = make_user("carga@jalisco.gob.mx", "staff")
    monkeypatch.setenv("EVIDENCE_REPO_OPERATOR", "admin@jalisco.gob.mx")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["token", "create", "carga@jalisco.gob.mx"]).exit_code == 0
    assert runner.invoke(args=["token", "revoke", "1"]).exit_code == 0
    tokens = [a[:3] for a in actions(app) if a[0].startswith("token.")]
    assert tokens == [("token.create", owner.id, "admin@jalisco.gob.mx"),
                      ("token.revoke", owner.id, "admin@jalisco.gob.mx")]
