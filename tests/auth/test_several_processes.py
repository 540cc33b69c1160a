"""Several web processes behind one address: a login, its session and its CSRF tokens work on any of them.

Sessions are signed cookies and CSRF tokens are signed with the same key, so every process needs the same
SECRET_KEY: from the environment, or from the shared data folder (written once by whichever starts first).
"""
import pytest

from evidence_repo import create_app
from evidence_repo.services import services
from tests.helpers import csrf_token, login


@pytest.fixture
def second_process(app, tmp_path):
    """Another web process on the same database; ``secret`` None means it shares the data folder's key file."""
    made = []

    def start(secret: str | None = None, shared_folder: bool = True):
        config = {"DATA_DIR": app.config["DATA_DIR"] if shared_folder else tmp_path / "otra",
                  "DATABASE_URL": app.config["DATABASE_URL"], "TESTING": True}
        if secret:
            config["SECRET_KEY"] = secret
        other = create_app(config)
        made.append(other)
        return other

    yield start
    for other in made:
        services(other).close()


def move_session(source, target) -> None:
    target.set_cookie("session", source.get_cookie("session").value)


def test_a_login_on_one_process_works_on_another_sharing_the_data_folder(app, client, make_user, second_process):
    make_user("ana@jalisco.gob.mx", "staff")
    assert login(client, "ana@jalisco.gob.mx").status_code == 302
    token = csrf_token(client, "/personal/subir")  # a form served by the first process
    other = second_process().test_client()
    move_session(client, other)
    assert other.get("/personal/evidencias").status_code == 200  # still signed in
    r = other.post("/salir", data={"csrf_token": token})  # the first process's CSRF token is accepted
    assert r.status_code == 302
    assert other.get("/personal/evidencias").status_code == 302  # signed out: back to the login page


def test_processes_on_other_machines_need_the_same_secret_key(app, client, make_user, second_process):
    make_user("ana@jalisco.gob.mx", "staff")
    first = second_process(secret="clave-compartida-de-produccion", shared_folder=False).test_client()
    assert login(first, "ana@jalisco.gob.mx").status_code == 302
    same_key = second_process(secret="clave-compartida-de-produccion", shared_folder=False).test_client()
    move_session(first, same_key)
    assert same_key.get("/personal/evidencias").status_code == 200
    other_key = second_process(secret="otra-clave", shared_folder=False).test_client()
    move_session(first, other_key)
    assert other_key.get("/personal/evidencias").status_code == 302  # a different key: not signed in
