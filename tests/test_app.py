"""Headers every answer carries."""


def test_every_answer_forbids_base_tags_and_foreign_form_targets(client):
    for path in ("/", "/buscar?q=acta", "/no-existe", "/api/v1/plan", "/ingresar"):
        policy = client.get(path).headers["Content-Security-Policy"]
        directives = {d.strip().split(" ")[0]: d.strip() for d in policy.split(";")}
        assert directives["base-uri"] == "base-uri 'none'", path
        assert directives["form-action"] == "form-action 'self'", path
        assert directives["frame-ancestors"] == "frame-ancestors 'none'", path
