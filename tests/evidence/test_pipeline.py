"""Ingestion end to end through the admin commands: bulk import, worker, reindex, integrity check."""
import csv
import io
import os

import pytest
from sqlalchemy import select, text

from evidence_repo.evidence.models import EvidenceFile, IndexTask
from evidence_repo.services import services
from tests import samples


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "sesion"
    d.mkdir()
    samples.make_text_pdf(d / "minuta.pdf", "Minuta: se acordó publicar el padrón de beneficiarios.")
    samples.make_docx(d / "relatoria.docx", ["Relatoría de la mesa de trabajo"], table_rows=[["Acuerdo", "Responsable"]])
    samples.make_text_file(d / "notas.txt", "Notas de la reunión de seguimiento")
    (d / "programa.exe").write_bytes(b"MZ\x90\x00" + b"\x00" * 100)
    return d


def search_ids(app, text, visibility=("public",)):
    return {h.id for h in services(app).index().search(text, visibility=set(visibility)).hits}


def test_ingest_directory_then_search(app, runner, folder, session):
    result = runner.invoke(args=["ingest", str(folder), "--milestone", "3", "--means", "minuta"])
    assert result.exit_code == 1  # one failure is reported
    assert "Guardados: 3 · Duplicados: 0 · Fallidos: 1" in result.output
    assert "programa.exe: Tipo de archivo no admitido" in result.output
    assert "Texto extraído e indexado" in result.output
    statuses = {f.original_name: f.text_status for f in session.scalars(select(EvidenceFile))}
    assert statuses == {"minuta.pdf": "extracted", "notas.txt": "extracted", "relatoria.docx": "extracted"}
    assert len(search_ids(app, "padron")) == 1
    again = runner.invoke(args=["ingest", str(folder), "--milestone", "3", "--means", "Minutas"])
    assert "Guardados: 0 · Duplicados: 3 · Fallidos: 1" in again.output
    assert "ya existe como evidencia #" in again.output


def test_ingest_manifest(app, runner, folder, tmp_path):
    manifest = tmp_path / "manifiesto.csv"
    with open(manifest, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["path", "milestone", "activity", "means", "title", "date", "visibility"])
        w.writerow(["sesion/minuta.pdf", "6", "", "Minuta", "Minuta del 25 de noviembre", "25/11/2019", "public"])
        w.writerow(["sesion/notas.txt", "6", "", "Lista de asistencia", "", "2019-11-25", "restricted"])
        w.writerow(["sesion/no-existe.pdf", "6", "", "Minuta", "", "", "public"])
        w.writerow(["sesion/relatoria.docx", "6", "", "Minuta", "", "2030-01-01", "public"])
    result = runner.invoke(args=["ingest", "--manifest", str(manifest)])
    assert "Guardados: 2 · Duplicados: 0 · Fallidos: 2" in result.output
    assert "no-existe.pdf: no se pudo leer el archivo" in result.output
    assert "no puede estar en el futuro" in result.output
    assert len(search_ids(app, "padron")) == 1
    assert search_ids(app, "reunion seguimiento") == set()
    assert len(search_ids(app, "reunion seguimiento", ("public", "restricted"))) == 1


def test_bad_manifest_and_arguments(runner, tmp_path, folder):
    bad = tmp_path / "m.csv"
    bad.write_text("archivo,meta\nx,1\n", encoding="utf-8")
    result = runner.invoke(args=["ingest", "--manifest", str(bad)])
    assert result.exit_code != 0 and "le faltan columnas: path, milestone, means" in result.output
    result = runner.invoke(args=["ingest", str(folder)])
    assert result.exit_code != 0 and "hacen falta --milestone y --means" in result.output


def test_pending_tasks_survive_a_restart(app, runner, folder, session):
    """Rows written by a process that died before indexing are picked up by the next worker."""
    services(app).index()
    runner.invoke(args=["ingest", str(folder), "--milestone", "3", "--means", "Minuta", "--no-index"])
    assert session.scalar(select(IndexTask.id).where(IndexTask.done_at.is_(None))) is not None
    assert search_ids(app, "padron") == set()
    result = runner.invoke(args=["worker", "--once"])
    assert "Tareas procesadas: 3" in result.output
    assert len(search_ids(app, "padron")) == 1


def test_reindex_rebuilds_from_the_database(app, runner, folder):
    runner.invoke(args=["ingest", str(folder), "--milestone", "3", "--means", "Minuta"])
    index = services(app).index()
    index.delete(index.doc_ids())
    assert search_ids(app, "padron") == set()
    result = runner.invoke(args=["reindex"])
    assert result.exit_code == 0 and "Índice reconstruido: 3 evidencias." in result.output
    assert len(search_ids(app, "padron")) == 1


def _corrupt_index(app) -> None:
    """Damage the search index the way each backend can be damaged: Whoosh's files, PostgreSQL's tables."""
    svc = services(app)
    if svc.search == "postgres":
        with svc.engine.begin() as conn:
            conn.execute(text("DROP TABLE search.docs CASCADE"))
        return
    for f in (app.config["DATA_DIR"] / "index").glob("*.toc"):
        f.write_bytes(b"garbage")


def test_corrupt_index_is_rebuilt_at_start_and_searches_meanwhile_say_so(app, runner, folder):
    """A request never rebuilds the index: it answers at once, saying results are incomplete."""
    from evidence_repo import create_app
    from evidence_repo.bootstrap import prepare

    runner.invoke(args=["ingest", str(folder), "--milestone", "3", "--means", "Minuta"])
    _corrupt_index(app)
    restarted = create_app({"DATA_DIR": app.config["DATA_DIR"], "DATABASE_URL": app.config["DATABASE_URL"]})
    page = restarted.test_client().get("/buscar?q=padron").get_data(as_text=True)
    assert "se está reconstruyendo" in page
    assert search_ids(restarted, "padron") == set()
    assert restarted.test_client().get("/api/v1/search?q=padron").get_json()["index_complete"] is False
    prepare(restarted)  # what `init` and `serve --no-worker` do before serving
    assert len(search_ids(restarted, "padron")) == 1
    page = restarted.test_client().get("/buscar?q=padron").get_data(as_text=True)
    assert "se está reconstruyendo" not in page
    assert restarted.test_client().get("/api/v1/search?q=padron").get_json()["index_complete"] is True
    services(restarted).close()


def test_the_serving_worker_rebuilds_a_stale_index_in_the_background(app, runner, folder):
    import time

    from evidence_repo import create_app

    runner.invoke(args=["ingest", str(folder), "--milestone", "3", "--means", "Minuta"])
    _corrupt_index(app)
    restarted = create_app({"DATA_DIR": app.config["DATA_DIR"], "DATABASE_URL": app.config["DATABASE_URL"]})
    svc = services(restarted)
    assert svc.index_stale
    svc.start_worker()  # as `serve` does
    try:
        deadline = time.monotonic() + 30
        while svc.index_stale and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not svc.index_stale
        assert len(search_ids(restarted, "padron")) == 1
    finally:
        svc.close()


def test_check_detects_a_flipped_byte_and_index_drift(app, runner, folder, session):
    runner.invoke(args=["ingest", str(folder), "--milestone", "3", "--means", "Minuta"])
    ok = runner.invoke(args=["check"])
    assert ok.exit_code == 0, ok.output
    assert "Resultado: todo en orden" in ok.output

    services(app).index().delete(["1"])
    drift = runner.invoke(args=["check"])
    assert drift.exit_code == 1 and "Evidencias que faltan en el índice: 1" in drift.output
    repaired = runner.invoke(args=["check", "--repair"])
    assert repaired.exit_code == 0 and "Reparado" in repaired.output

    f = session.scalars(select(EvidenceFile).order_by(EvidenceFile.id)).first()
    path = services(app).blobs.path_for(f.sha256)
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    broken = runner.invoke(args=["check"])
    assert broken.exit_code == 1
    assert "Archivos alterados (el SHA-256 no coincide): 1" in broken.output
    assert f.sha256 in broken.output
    still = runner.invoke(args=["check", "--repair"])
    assert still.exit_code == 1 and "No se puede reparar automáticamente" in still.output

    path.unlink()
    missing = runner.invoke(args=["check"])
    assert "Archivos faltantes: 1" in missing.output


def test_check_reports_orphans(app, runner):

    services(app).blobs.put(io.BytesIO(b"nadie me referencia"))
    result = runner.invoke(args=["check"])
    assert "Archivos huérfanos (sin evidencia): 1" in result.output


def test_token_commands(runner, make_user):
    make_user("carga@jalisco.gob.mx", "staff")
    created = runner.invoke(args=["token", "create", "carga@jalisco.gob.mx", "--name", "script"])
    assert created.exit_code == 0 and created.output.startswith("er_")
    listed = runner.invoke(args=["token", "list"])
    assert "carga@jalisco.gob.mx" in listed.output and "activo" in listed.output
    assert created.output.splitlines()[0] not in listed.output
    assert runner.invoke(args=["token", "revoke", "1"]).exit_code == 0
    assert "revocado" in runner.invoke(args=["token", "list"]).output
    assert runner.invoke(args=["token", "create", "nadie@x.mx"]).exit_code != 0


def test_index_left_short_by_a_crashed_rebuild_is_refilled_at_start(app, runner, folder):
    from evidence_repo import create_app
    from evidence_repo.bootstrap import prepare

    runner.invoke(args=["ingest", str(folder), "--milestone", "3", "--means", "Minuta"])
    index = services(app).index()
    index.delete(index.doc_ids())  # valid but empty, as after a rebuild that died half-way
    restarted = create_app({"DATA_DIR": app.config["DATA_DIR"], "DATABASE_URL": app.config["DATABASE_URL"]})
    prepare(restarted)
    assert services(restarted).index().count() == 3
