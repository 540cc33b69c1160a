"""Admins manage accounts on /admin/usuarios: several roles per person, roles changed, deactivation, and
never the last active admin removed; every change audited."""
from __future__ import annotations

from sqlalchemy import select

from evidence_repo.accounts.models import User
from evidence_repo.audit import AuditRecord
from tests.helpers import PASSWORD, csrf_token, login


def test_admin_gives_one_person_committee_and_staff(app, make_user, session):
    make_user("admin@jalisco.gob.mx", "admin")
    admin = app.test_client()
    login(admin, "admin@jalisco.gob.mx")
    token = csrf_token(admin, "/admin/usuarios")
    r = admin.post("/admin/usuarios", follow_redirects=True,
                   data={"csrf_token": token, "email": "Minutas@Jalisco.gob.mx", "name": "Rosa",
                         "password": PASSWORD, "roles": ["committee", "staff"]})
    assert "Cuenta creada: minutas@jalisco.gob.mx (committee, staff)." in r.get_data(as_text=True)
    bad = admin.post("/admin/usuarios", follow_redirects=True,
                     data={"csrf_token": token, "email": "otra@jalisco.gob.mx", "password": PASSWORD})
    assert "Elija al menos un rol" in bad.get_data(as_text=True)

    rosa = app.test_client()
    login(rosa, "minutas@jalisco.gob.mx")
    assert rosa.get("/personal/subir").status_code == 200  # staff: files the committee's minutas
    nav = rosa.get("/").get_data(as_text=True)
    assert "Subir" in nav and "Cuentas" not in nav
    assert rosa.get("/admin/usuarios").status_code == 403

    user = session.scalar(select(User).where(User.email == "minutas@jalisco.gob.mx"))
    r = admin.post(f"/admin/usuarios/{user.id}/roles", data={"csrf_token": token, "roles": ["committee"]},
                   follow_redirects=True)
    assert "Roles de minutas@jalisco.gob.mx: committee." in r.get_data(as_text=True)
    assert rosa.get("/personal/subir").status_code == 403  # takes effect on the next request
    session.expire_all()
    change = session.scalars(select(AuditRecord).where(AuditRecord.action == "user.roles")).one()
    assert change.before == {"roles": ["committee", "staff"]} and change.after == {"roles": ["committee"]}


def test_the_last_active_admin_stays(app, make_user, session):
    me = make_user("admin@jalisco.gob.mx", "admin")
    admin = app.test_client()
    login(admin, "admin@jalisco.gob.mx")
    token = csrf_token(admin, "/admin/usuarios")
    for url, data in ((f"/admin/usuarios/{me.id}/roles", {"roles": ["staff"]}),
                      (f"/admin/usuarios/{me.id}/desactivar", {})):
        r = admin.post(url, data={"csrf_token": token, **data}, follow_redirects=True)
        assert "Debe quedar al menos una cuenta de administración activa." in r.get_data(as_text=True)
    assert admin.get("/admin/usuarios").status_code == 200


def test_a_deactivated_account_cannot_sign_in_and_its_session_ends(app, make_user):
    make_user("admin@jalisco.gob.mx", "admin")
    ana = make_user("ana@jalisco.gob.mx", "staff")
    admin, ana_browser = app.test_client(), app.test_client()
    login(admin, "admin@jalisco.gob.mx")
    login(ana_browser, "ana@jalisco.gob.mx")
    r = admin.post(f"/admin/usuarios/{ana.id}/desactivar", data={"csrf_token": csrf_token(admin, "/admin/usuarios")},
                   follow_redirects=True)
    assert "desactivada" in r.get_data(as_text=True)
    assert "Salir" not in ana_browser.get("/").get_data(as_text=True)
    assert login(app.test_client(), "ana@jalisco.gob.mx").status_code == 401
    admin.post(f"/admin/usuarios/{ana.id}/activar", data={"csrf_token": csrf_token(admin, "/admin/usuarios")})
    assert login(app.test_client(), "ana@jalisco.gob.mx").status_code == 302


def test_cli_gives_and_lists_several_roles(app):
    runner = app.test_cli_runner()
    r = runner.invoke(args=["user", "add", "rosa@jalisco.gob.mx", "--role", "committee", "--role", "staff",
                            "--password-stdin"], input=PASSWORD + "\n")
    assert r.exit_code == 0 and "(committee, staff)" in r.output, r.output
    r = runner.invoke(args=["user", "roles", "rosa@jalisco.gob.mx", "admin", "staff"])
    assert r.exit_code == 0 and "admin, staff" in r.output, r.output
    assert "rosa@jalisco.gob.mx\tadmin, staff\tactiva" in runner.invoke(args=["user", "list"]).output
    r = runner.invoke(args=["user", "password", "rosa@jalisco.gob.mx", "--password-stdin"], input="corta\n")
    assert r.exit_code != 0 and "al menos 10 caracteres" in r.output
    r = runner.invoke(args=["user", "roles", "nadie@jalisco.gob.mx", "staff"])
    assert r.exit_code != 0 and "No existe la cuenta" in r.output
