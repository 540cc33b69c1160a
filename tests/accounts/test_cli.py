"""Account commands, run the way an administrator runs them."""
from sqlalchemy import select

from evidence_repo.accounts.models import User


def test_user_add_from_stdin(app, session):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["user", "add", "Comite@Jalisco.gob.mx", "--role", "committee", "--password-stdin"],
                           input="una-clave-muy-larga\n")
    assert result.exit_code == 0, result.output
    assert "Cuenta creada: comite@jalisco.gob.mx (committee)" in result.output
    user = session.scalar(select(User).where(User.email == "comite@jalisco.gob.mx"))
    assert user.roles == {"committee"}


def test_user_add_prompts_for_password(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["user", "add", "ana@jalisco.gob.mx", "--role", "staff"],
                           input="una-clave-muy-larga\nuna-clave-muy-larga\n")
    assert result.exit_code == 0, result.output
    assert "una-clave-muy-larga" not in result.output


def test_user_add_errors_are_clear(app):
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["user", "add", "ana@jalisco.gob.mx", "--role", "staff", "--password-stdin"],
                       input="una-clave-muy-larga\n")
    assert ok.exit_code == 0
    cases = [
        (["ana@jalisco.gob.mx", "--role", "staff"], "una-clave-muy-larga", "Ya existe una cuenta"),
        (["otra@jalisco.gob.mx", "--role", "staff"], "corta", "al menos 10 caracteres"),
        (["no-es-correo", "--role", "staff"], "una-clave-muy-larga", "Correo electrónico inválido"),
        (["otra@jalisco.gob.mx", "--role", "jefe"], "una-clave-muy-larga", "Invalid value for '--role'"),
    ]
    for args, password, message in cases:
        result = runner.invoke(args=["user", "add", *args, "--password-stdin"], input=password + "\n")
        assert result.exit_code != 0
        assert message in result.output
