"""Jinja filters and globals shared by every page."""
from __future__ import annotations

import datetime as dt

from flask import Flask, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape


def long_date(value: dt.date | None) -> str:
    """"5 de septiembre de 2019" in Spanish; "Por definir" when the plan has no date yet."""
    if value is None:
        return _("Por definir")
    return format_date(value, format="long")


def rich_text(value: str | None) -> Markup:
    """Plan texts use "- " lines for bullet lists and blank lines for paragraphs; render them as HTML."""
    if not value:
        return Markup("")
    html: list[str] = []
    in_list = False
    for raw in value.splitlines():
        line = raw.strip()
        if line.startswith(("- ", "• ")):
            if not in_list:
                html.append("<ul>")
                in_list = True
            html.append(f"<li>{escape(line[2:].strip())}</li>")
            continue
        if in_list:
            html.append("</ul>")
            in_list = False
        if line:
            html.append(f"<p>{escape(line)}</p>")
    if in_list:
        html.append("</ul>")
    return Markup("".join(html))


STATUS_LABELS = {
    "completo": _l("Completo"), "incompleto": _l("Incompleto"), "vencido": _l("Vencido"),
    "sin_fecha": _l("Sin fecha"), "proximo": _l("Próximo a vencer"),
}
CELL_LABELS = {
    "cumplido": _l("Cumplido"), "pendiente_revision": _l("En revisión"), "observado": _l("Observado"),
    "faltante": _l("Falta"), "no_requerido": _l("No requerido"),
}


def init_templating(app: Flask) -> None:
    app.jinja_env.globals["status_labels"] = STATUS_LABELS
    app.jinja_env.globals["cell_labels"] = CELL_LABELS
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.filters["rich_text"] = rich_text
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def _globals():
        locale = str(get_locale() or "es_MX")
        other = "en" if not locale.startswith("en") else "es_MX"
        args = dict(request.view_args or {})
        args.update(request.args.to_dict())
        args["lang"] = other
        switch_url = url_for(request.endpoint, **args) if request.endpoint else None
        return {
            "html_lang": "en" if locale.startswith("en") else "es-MX",
            "other_language": {"code": other, "label": app.config["LANGUAGES"][other], "url": switch_url},
        }
