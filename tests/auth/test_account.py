"""One's own account: password change ends every other session (remember-me too); tokens listed and revoked
by their owner (and admins, never others); a token of a deleted or deactivated account gets 401; repeated
failed sign-ins lock the account and the address out for a while, with a Spanish message."""
from __future__ import annotations

import sqlite3

from evidence_repo.accounts.tokens import create_token
from tests.helpers import PASSWORD, csrf_token, login

NEW_PASSWORD = "otra-clave-mas-segura-456"


def _signed_in(client) -> bool:
    return "Salir" in client.get("/").get_data(as_text=True)


def _remembered_client(app, email):
    """A browser that signed in with "Mantener la sesión iniciada" and then lost its session cookie."""
    client = app.test_client()
    token = csrf_token(client)
    r = client.post("/ingresar", data={"email": email, "password": PASSWORD, "csrf_token": token, "remember": "y"})
    assert r.status_code == 302
    assert client.get_cookie("remember_token") is not None
    client.delete_cookie("session")
    assert _signed_in(client)  # the remember-me cookie alone signs it in
    client.delete_cookie("session")
    return client


def test_password_change_ends_every_other_session_and_remember_cookie(app, make_user):
    make_user("ana@jalisco.gob.mx", "staff")
    here, laptop = app.test_client(), app.test_client()
    login(here, "ana@jalisco.gob.mx")
    login(laptop, "ana@jalisco.gob.mx")
    phone = _remembered_client(app, "ana@jalisco.gob.mx")

    wrong = here.post("/cuenta", data={"csrf_token": csrf_token(here, "/cuenta"), "current_password": "no-es",
                                       "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert wrong.status_code == 400 and "La contraseña actual no es correcta." in wrong.get_data(as_text=True)
    mismatch = here.post("/cuenta", data={"csrf_token": csrf_token(here, "/cuenta"), "current_password": PASSWORD,
                                          "new_password": NEW_PASSWORD, "confirm": "otra"})
    assert "Las dos contraseñas nuevas no coinciden." in mismatch.get_data(as_text=True)
    assert _signed_in(laptop) and _signed_in(phone)

    r = here.post("/cuenta", follow_redirects=True,
                  data={"csrf_token": csrf_token(here, "/cuenta"), "current_password": PASSWORD,
                        "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert "Contraseña cambiada." in r.get_data(as_text=True)
    assert _signed_in(here)  # the browser that changed it stays signed in
    phone.delete_cookie("session")
    assert not _signed_in(laptop) and not _signed_in(phone)
    assert login(app.test_client(), "ana@jalisco.gob.mx", PASSWORD).status_code == 401
    assert login(app.test_client(), "ana@jalisco.gob.mx", NEW_PASSWORD).status_code == 302


def test_admin_reset_ends_the_users_sessions(app, make_user):
    make_user("admin@jalisco.gob.mx", "admin")
    user = make_user("ana@jalisco.gob.mx", "committee")
    ana, admin = app.test_client(), app.test_client()
    login(ana, "ana@jalisco.gob.mx")
    remembered = _remembered_client(app, "ana@jalisco.gob.mx")
    login(admin, "admin@jalisco.gob.mx")
    r = admin.post(f"/admin/usuarios/{user.id}/contrasena", follow_redirects=True,
                   data={"csrf_token": csrf_token(admin, "/admin/usuarios"), "password": NEW_PASSWORD})
    assert "sus sesiones abiertas se cerraron" in r.get_data(as_text=True)
    assert not _signed_in(ana) and not _signed_in(remembered)
    assert _signed_in(admin)
    assert login(app.test_client(), "ana@jalisco.gob.mx", NEW_PASSWORD).status_code == 302


def test_tokens_are_listed_and_revoked_by_their_owner_and_admins_only(app, make_user, session):
    owner = make_user("ana@jalisco.gob.mx", "staff")
    make_user("comite@jalisco.gob.mx", "committee,staff")
    make_user("admin@jalisco.gob.mx", "admin")
    first, first_plain = create_token(session, owner, "script de carga")
    second, second_plain = create_token(session, owner, "respaldo")
    session.commit()
    api = app.test_client()

    def api_status(plain):
        return api.get("/api/v1/evidence", headers={"Authorization": f"Bearer {plain}"}).status_code

    ana, other, admin = app.test_client(), app.test_client(), app.test_client()
    for client, email in ((ana, "ana@jalisco.gob.mx"), (other, "comite@jalisco.gob.mx"),
                          (admin, "admin@jalisco.gob.mx")):
        login(client, email)
    assert first.prefix in ana.get("/cuenta").get_data(as_text=True)
    assert first.prefix not in other.get("/cuenta").get_data(as_text=True)
    assert first.prefix in admin.get("/admin/usuarios").get_data(as_text=True)
    assert other.get("/admin/usuarios").status_code == 403

    refused = other.post(f"/cuenta/tokens/{first.id}/revocar", data={"csrf_token": csrf_token(other, "/cuenta")})
    assert refused.status_code == 404 and api_status(first_plain) == 200
    assert ana.post(f"/cuenta/tokens/{first.id}/revocar").status_code == 400  # no CSRF token
    assert api_status(first_plain) == 200
    r = ana.post(f"/cuenta/tokens/{first.id}/revocar", data={"csrf_token": csrf_token(ana, "/cuenta")},
                 follow_redirects=True)
    assert "revocado: ya no abre la API" in r.get_data(as_text=True)
    assert api_status(first_plain) == 401 and api_status(second_plain) == 200
    admin.post(f"/cuenta/tokens/{second.id}/revocar", data={"csrf_token": csrf_token(admin, "/admin/usuarios"),
                                                            "next": "/admin/usuarios"})
    assert api_status(second_plain) == 401


def delete_behind_the_apps_back(app, user_id: int) -> None:
    """Delete an account directly in the database with its foreign keys unchecked, its tokens left behind (as
    sqlite3 opens the file; on PostgreSQL as a superuser replicating rows would)."""
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite"):
        db = sqlite3.connect(url.removeprefix("sqlite:///"))
        with db:
            db.execute("DELETE FROM user_role WHERE user_id = ?", (user_id,))
            db.execute("DELETE FROM user WHERE id = ?", (user_id,))
        db.close()
        return
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))  # no foreign-key triggers
        conn.execute(text('DELETE FROM user_role WHERE user_id = :u'), {"u": user_id})
        conn.execute(text('DELETE FROM "user" WHERE id = :u'), {"u": user_id})
    engine.dispose()


def test_token_of_a_deactivated_or_deleted_account_gets_401(app, make_user, session):
    ana, luis = make_user("ana@jalisco.gob.mx", "staff"), make_user("luis@jalisco.gob.mx", "staff")
    _, ana_plain = create_token(session, ana)
    _, luis_plain = create_token(session, luis)
    session.commit()
    client = app.test_client()
    result = app.test_cli_runner().invoke(args=["user", "deactivate", "ana@jalisco.gob.mx"])
    assert result.exit_code == 0, result.output
    r = client.get("/api/v1/evidence", headers={"Authorization": f"Bearer {ana_plain}"})
    assert r.status_code == 401 and r.get_json()["error"]["code"] == 401
    # an account deleted directly in the database (foreign keys off, as sqlite3 opens it), its token left behind
    delete_behind_the_apps_back(app, luis.id)
    for url in ("/api/v1/evidence", "/api/v1/compliance"):
        assert client.get(url, headers={"Authorization": f"Bearer {luis_plain}"}).status_code == 401
    assert "(cuenta #" in app.test_cli_runner().invoke(args=["token", "list"]).output


def test_repeated_failures_lock_the_account_out_for_a_while(app, make_user):
    make_user("ana@jalisco.gob.mx", "staff")
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit - 1):
        assert login(app.test_client(), "ana@jalisco.gob.mx", "no-es-la-clave").status_code == 401
    locked = login(app.test_client(), "ana@jalisco.gob.mx", "no-es-la-clave")
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 60
    assert "Demasiados intentos fallidos" in locked.get_data(as_text=True)
    # even the right password waits, and an unknown account locks the same way (nothing reveals which exist)
    assert login(app.test_client(), "ana@jalisco.gob.mx", PASSWORD).status_code == 429
    for _ in range(limit):
        r = login(app.test_client(), "nadie@jalisco.gob.mx", "no-es-la-clave")
    assert r.status_code == 429
    english = app.test_client()
    english.get("/?lang=en")
    assert "Too many failed attempts" in login(english, "ana@jalisco.gob.mx", PASSWORD).get_data(as_text=True)


def test_one_address_trying_many_accounts_is_locked_out(app, make_user):
    app.config.update(LOGIN_MAX_FAILURES_PER_ADDRESS=4)
    make_user("ana@jalisco.gob.mx", "staff")
    for n in range(3):
        assert login(app.test_client(), f"prueba{n}@jalisco.gob.mx", "no-es-la-clave").status_code == 401
    assert login(app.test_client(), "otra@jalisco.gob.mx", "no-es-la-clave").status_code == 429
    assert login(app.test_client(), "ana@jalisco.gob.mx", PASSWORD).status_code == 429  # same address
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.0.7"
    assert login(other, "ana@jalisco.gob.mx", PASSWORD).status_code == 302


def test_success_clears_the_account_count(app, make_user):
    make_user("ana@jalisco.gob.mx", "staff")
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        login(app.test_client(), "ana@jalisco.gob.mx", "no-es-la-clave")
    assert login(app.test_client(), "ana@jalisco.gob.mx", PASSWORD).status_code == 302
    assert login(app.test_client(), "ana@jalisco.gob.mx", "no-es-la-clave").status_code == 401


def test_secure_cookies_and_hsts_follow_the_setting(tmp_path, monkeypatch, make_user, app):
    make_user("ana@jalisco.gob.mx", "staff")
    from evidence_repo import create_app

    assert "Strict-Transport-Security" not in app.test_client().get("/ingresar").headers
    monkeypatch.setenv("EVIDENCE_REPO_SECURE_COOKIES", "1")
    secure = create_app({"DATA_DIR": app.config["DATA_DIR"], "DATABASE_URL": app.config["DATABASE_URL"],
                         "TESTING": True})
    assert secure.config["SESSION_COOKIE_SECURE"] and secure.config["REMEMBER_COOKIE_SECURE"]
    client = secure.test_client()
    r = client.get("/ingresar", base_url="https://localhost")
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")
    r = client.post("/ingresar", base_url="https://localhost", headers={"Referer": "https://localhost/ingresar"}, data={
        "email": "ana@jalisco.gob.mx", "password": PASSWORD, "remember": "y",
        "csrf_token": csrf_token(client, "https://localhost/ingresar")})
    cookies = r.headers.getlist("Set-Cookie")
    assert any(c.startswith("remember_token=") and "Secure" in c for c in cookies), cookies
    assert any(c.startswith("session=") and "Secure" in c for c in cookies), cookies
