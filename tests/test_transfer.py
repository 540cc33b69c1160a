"""`evidence-repo migrate-to`: an installation moves to an empty PostgreSQL database with nothing lost."""
from sqlalchemy import func, select

from evidence_repo import create_app
from evidence_repo.db import Base
from evidence_repo.evidence.models import Evidence
from evidence_repo.evidence.review import review_evidence
from evidence_repo.services import services
from tests.helpers import login, upload


def snapshot(engine) -> dict[str, list[tuple]]:
    """Every row of every table, in id order, as plain values."""
    with engine.connect() as conn:
        return {t.name: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key))]
                for t in Base.metadata.sorted_tables}


def test_migrate_to_copies_everything_and_the_target_works(app, make_user, staff_token, client, worker, session,
                                                           postgres_url):
    admin = make_user("comite@jalisco.gob.mx", "committee")
    public_id = upload(client, staff_token, 3, "minuta", "Minuta sobre el padrón de beneficiarios")
    upload(client, staff_token, 3, "minuta", "Lista reservada de asistentes", visibility="restricted")
    worker.drain()
    review_evidence(session, session.get(Evidence, public_id), "validada", "Completa", admin)
    session.commit()
    before = snapshot(services(app).engine)

    result = app.test_cli_runner().invoke(args=["migrate-to", postgres_url])
    assert result.exit_code == 0, result.output
    assert "evidence: 2" in result.output and "Índice reconstruido: 2 evidencias." in result.output

    moved = create_app({"DATA_DIR": app.config["DATA_DIR"], "DATABASE_URL": postgres_url, "TESTING": True})
    try:
        assert snapshot(services(moved).engine) == before  # same rows, same ids, same values (dates, JSON)
        check = moved.test_cli_runner().invoke(args=["check"])
        assert check.exit_code == 0 and "Resultado: todo en orden" in check.output, check.output
        web = moved.test_client()
        assert login(web, "comite@jalisco.gob.mx").status_code == 302  # users and passwords came along
        assert "padrón" in web.get(f"/evidencias/{public_id}").get_data(as_text=True)
        # API tokens too, and new rows get new ids (the sequences were moved past the copied ones)
        new_id = upload(moved.test_client(), staff_token, 3, "minuta", "Minuta posterior a la migración")
        assert new_id == max(r[0] for r in before["evidence"]) + 1
        with services(moved).sessions() as s:
            assert s.scalar(select(func.count()).select_from(Evidence)) == 3
    finally:
        services(moved).close()


def test_migrate_to_refuses_a_database_that_has_data(app, postgres_url):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["migrate-to", postgres_url]).exit_code == 0
    again = runner.invoke(args=["migrate-to", postgres_url])
    assert again.exit_code == 1
    assert "No se copió nada: la base de datos de destino ya tiene datos" in again.output
    missing = runner.invoke(args=["migrate-to", postgres_url.replace("/t_", "/no_existe_")])
    assert missing.exit_code == 1 and "no se puede usar la base de datos de destino" in missing.output
