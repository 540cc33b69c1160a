"""Signing in and out; CSRF on every form; failures that do not reveal whether an account exists."""
from tests.helpers import PASSWORD, csrf_token, login


def test_login_and_logout(client, make_user):
    make_user("ana@jalisco.gob.mx", "staff")
    r = login(client, "ANA@jalisco.gob.mx ", PASSWORD)
    assert r.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "ana@jalisco.gob.mx" in page and "Salir" in page
    token = csrf_token(client, "/")
    r = client.post("/salir", data={"csrf_token": token}, follow_redirects=True)
    assert "Sesión cerrada." in r.get_data(as_text=True)
    assert "Ingresar" in client.get("/").get_data(as_text=True)


def test_wrong_password_and_unknown_account_look_the_same(client, make_user):
    make_user("ana@jalisco.gob.mx", "staff")
    wrong = login(client, "ana@jalisco.gob.mx", "no-es-la-clave")
    unknown = login(client, "nadie@jalisco.gob.mx", "no-es-la-clave")
    assert wrong.status_code == unknown.status_code == 401
    for r in (wrong, unknown):
        html = r.get_data(as_text=True)
        assert "Correo o contraseña incorrectos." in html
        assert "no existe" not in html.lower()


def test_empty_login_form_says_what_is_missing(client):
    token = csrf_token(client)
    r = client.post("/ingresar", data={"email": "", "password": "", "csrf_token": token})
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert "Escriba su correo." in html and "Escriba su contraseña." in html


def test_post_without_csrf_token_is_refused(client, make_user):
    make_user("ana@jalisco.gob.mx", "staff")
    r = client.post("/ingresar", data={"email": "ana@jalisco.gob.mx", "password": PASSWORD})
    assert r.status_code == 400
    assert "El formulario caducó o no es válido" in r.get_data(as_text=True)
    r = client.post("/ingresar", data={"email": "ana@jalisco.gob.mx", "password": PASSWORD, "csrf_token": "x"})
    assert r.status_code == 400


def test_logout_needs_post_with_token(client, make_user):
    make_user("ana@jalisco.gob.mx", "staff")
    login(client, "ana@jalisco.gob.mx")
    assert client.get("/salir").status_code == 405
    assert client.post("/salir").status_code == 400
    assert "Salir" in client.get("/").get_data(as_text=True)


def test_next_parameter_cannot_leave_the_site(client, make_user):
    make_user("ana@jalisco.gob.mx", "staff")
    token = csrf_token(client)
    for target, expected in [("/plan", "/plan"), ("https://evil.example/", "/"), ("//evil.example", "/")]:
        client.get("/")  # fresh page view
        r = client.post(f"/ingresar?next={target}",
                        data={"email": "ana@jalisco.gob.mx", "password": PASSWORD, "csrf_token": token})
        assert r.status_code == 302 and r.headers["Location"] == expected
        client.post("/salir", data={"csrf_token": csrf_token(client, "/")})
        token = csrf_token(client)


def test_passwords_are_hashed_with_argon2(session, make_user):
    user = make_user("ana@jalisco.gob.mx", "committee")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
