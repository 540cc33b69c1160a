"""What a citizen sees without an account."""
import re

from sqlalchemy import select

from evidence_repo.services import services

C = "/compromisos/jalisco-apoyo-organizaciones-sociedad-civil"  # the seed commitment's canonical URL


def text(response) -> str:
    """Visible text, roughly: tags dropped and whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_home_explains_the_site_and_summarises_the_commitment(client):
    r = client.get("/")
    assert r.status_code == 200
    page = text(r)
    assert "Análisis del programa “Apoyo a las organizaciones de la sociedad civil”" in page
    assert "Segundo Plan de Acción Local" in page and "Avance" in page and "Próxima meta" in page
    assert page.count("Ver pruebas") == 11
    assert "medios de verificación" in page
    assert len(re.findall(r'href="' + C + r'/metas/\d+"', r.get_data(as_text=True))) == 11
    assert '<html lang="es-MX">' in r.get_data(as_text=True)


def test_plan_page_lists_every_milestone_with_activities_dates_and_means(client):
    r = client.get(C)
    assert r.status_code == 200
    page = text(r)
    for n in range(1, 12):
        assert f"Meta {n} " in page
    assert "Primera reunión (Plenaria) 5 de septiembre de 2019" in page
    assert "Sesión de capacitación y mesas de trabajo 15 de octubre de 2019" in page
    assert "Informe de retroalimentación" in page
    assert "Relatorías por mesa de trabajo" in page
    assert "Presentación del Programa 2020" in page
    assert page.count("Por definir") >= 9
    assert "Margarita Sierra Díaz de Rivera" in page
    assert "Cecilia Díaz Romo" in page
    assert "Sujeto a cambios" in page


def test_milestone_page(client):
    r = client.get(C + "/metas/2")
    assert r.status_code == 200
    page = text(r)
    assert "Capacitar a sociedad civil" in page
    assert "Sesión de ensayo de presentaciones 1 de octubre de 2019 Mauricio Esponda Martínez" in page
    assert "Informe general de las mesas de trabajo" in page
    assert f'rel="prev" href="{C}/metas/1"' in r.get_data(as_text=True)


def test_milestone_page_shows_activity_responsible(client):
    page = text(client.get(C + "/metas/6"))
    assert "25 de noviembre de 2019 Saira Pérez" in page


def test_unknown_milestone_is_a_spanish_404(client):
    for path in (C + "/metas/99", C + "/metas/0", "/no-existe"):
        r = client.get(path)
        assert r.status_code == 404
        assert "Error 404" in text(r)
    assert "No existe la meta 99 en este plan." in text(client.get(C + "/metas/99"))
    assert "No encontramos la página que busca." in text(client.get("/no-existe"))


def test_english_on_request(client):
    r = client.get(C + "?lang=en")
    page = text(r)
    assert '<html lang="en">' in r.get_data(as_text=True)
    assert "Milestone 2" in page
    assert "September 5, 2019" in page
    assert "To be defined" in page
    assert "Milestone 3" in text(client.get(C + "/metas/3"))  # remembered for the session
    assert "Meta 3" in text(client.get(C + "/metas/3?lang=es_MX"))


def test_security_headers(client):
    r = client.get("/")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]


def test_plan_text_is_escaped(client, session):
    from evidence_repo.plan.models import Milestone

    m = session.scalar(select(Milestone).where(Milestone.number == 3))
    m.objective = "<script>alert(1)</script>\n- <b>punto</b>"
    session.commit()
    html = client.get(C + "/metas/3").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<li>&lt;b&gt;punto&lt;/b&gt;</li>" in html


def test_pages_answer_in_few_queries(app, client):
    """The plan page loads the whole plan in a fixed number of queries (no N+1)."""
    from sqlalchemy import event

    engine = services(app).engine
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(C).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(statements) <= 10, statements
