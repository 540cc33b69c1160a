"""The compliance report is read back from real DOCX/PDF bytes, as a citizen would read it."""

from __future__ import annotations

import copy
import hashlib
import io
import re
from typing import Any

import pytest
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader

from evidence_repo.compliance import report as report_module
from evidence_repo.compliance.report import format_date, render_docx, render_pdf

COMMITMENT_TITLE = "Análisis del programa “Apoyo a las organizaciones de la sociedad civil”"
SECRET_TITLE = "Padrón de beneficiarias con CURP — NO PUBLICAR"
SECRET_SHA = hashlib.sha256(b"padron-confidencial").hexdigest()
OBSERVED_SHA = hashlib.sha256(b"memoria-fotografica").hexdigest()


def _sha(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()


def _evidence(ident: int, title: str, means: str, day: str, review: str) -> dict[str, Any]:
    return {"id": ident, "title": title, "means": means, "date": day, "sha256": _sha(title),
            "review": review, "restricted": False}


def _milestone(number: int, objective: str, due: str | None, status: str, label: str,
               percent: float) -> dict[str, Any]:
    return {
        "number": number, "objective": objective, "status": status, "status_label": label,
        "percent": percent, "due": due, "responsible": ["Secretaría de Planeación y Participación Ciudadana"],
        "required": ["Minuta", "Lista de asistencia"], "missing": [], "evidence": [],
        "observations": [], "activities": [],
    }


def build_report() -> dict[str, Any]:
    """Jalisco, 2019 local action plan: one commitment with eleven milestones."""
    objectives = [
        "Instalar la mesa de trabajo del compromiso",
        "Revisar las reglas de operación del programa\n- Publicar el análisis\n- Recibir comentarios",
        "Realizar un taller de participación con organizaciones",
        "Elaborar el diagnóstico del padrón de beneficiarias",
        "Publicar la base de datos en formato abierto",
        "Presentar propuestas de mejora a las reglas de operación",
        "Dar seguimiento a la convocatoria 2020",
        "Evaluar los resultados del primer año",
        "Difundir los resultados en medios locales",
        "Integrar el informe final del compromiso",
        "Cerrar el compromiso ante el Secretariado Técnico Local",
    ]
    milestones = []
    for number, objective in enumerate(objectives, start=1):
        due = f"2019-{min(number + 4, 12):02d}-17" if number < 11 else None
        if number <= 2:
            milestones.append(_milestone(number, objective, due, "completo", "Completo", 100.0))
        elif number == 11:
            milestones.append(_milestone(number, objective, None, "sin_fecha", "Sin fecha", 0.0))
        else:
            milestones.append(_milestone(number, objective, due, "vencido", "Vencido", 50.0))

    milestones[0]["evidence"] = [
        _evidence(1, "Minuta de instalación de la mesa de trabajo", "Minuta", "2019-05-10", "validada"),
        _evidence(2, "Lista de asistencia de la instalación", "Lista de asistencia", "2019-05-10", "validada"),
    ]
    taller = milestones[2]
    taller["missing"] = ["Lista de asistencia"]
    taller["evidence"] = [
        {"id": 7, "title": "Memoria fotográfica del taller", "means": "Memoria fotográfica",
         "date": "2019-07-02", "sha256": OBSERVED_SHA, "review": "observada", "restricted": False},
        # A leaked title/hash must still never be printed for restricted evidence.
        {"id": 8, "title": SECRET_TITLE, "means": "Lista de asistencia", "date": "2019-07-02",
         "sha256": SECRET_SHA, "review": "pendiente", "restricted": True},
        {"id": None, "title": None, "means": "Lista de asistencia", "date": None, "sha256": None,
         "review": "pendiente", "restricted": True},
    ]
    taller["observations"] = [
        {"evidence_id": 7, "evidence_title": "Memoria fotográfica del taller", "by": "María Guadalupe Núñez",
         "at": "2019-07-20T17:30:00+00:00",
         "comment": "Las fotografías no muestran fecha ni lugar; agregar pie de foto con “fecha” y sede."},
        {"evidence_id": 8, "evidence_title": SECRET_TITLE, "by": "Comité coordinador",
         "at": "2019-07-21", "comment": "Falta versión pública testada."},
    ]
    taller["activities"] = [
        {"name": "Convocar a organizaciones", "date": "2019-06-15", "status_label": "Completo", "missing": []},
        {"name": None, "date": None, "status_label": "Sin fecha", "missing": ["Minuta"]},
    ]
    return {
        "as_of": "2019-12-13",
        "generated_at": "2026-11-25T10:00:00+00:00",
        "percent": 42.5,
        "plan": {"title": "Plan de Acción Local de Gobierno Abierto 2019-2020", "jurisdiction": "Jalisco"},
        "commitment": {
            "title": COMMITMENT_TITLE,
            "theme": "Participación ciudadana",
            "start_date": "2019-03-01",
            "end_date": "2020-08-31",
            "responsible_institution": "Secretaría de Planeación y Participación Ciudadana",
            "responsible_person": "José Ángel Ibáñez",
            "main_objective": "Mejorar la transparencia y la asignación del programa.\n- Reglas claras\n- Padrón abierto",
            "short_description": None,
        },
        "milestones": milestones,
    }


# --------------------------------------------------------------------------- read-back helpers


def docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    parts += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def pdf_pages(data: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


# --------------------------------------------------------------------------- tests


def test_format_date() -> None:
    assert format_date("2019-10-17") == "17 de octubre de 2019"
    assert format_date("2019-12-01T23:00:00+00:00") == "1 de diciembre de 2019"
    assert format_date(None) == "Por definir"
    assert format_date("") == "Por definir"
    assert format_date("pronto") == "pronto"


def test_docx_structure_headings_and_tables() -> None:
    doc = Document(io.BytesIO(render_docx(build_report())))
    headings = [(p.style.name, p.text) for p in doc.paragraphs if p.style.name in ("Title", "Heading 1", "Heading 2")]
    assert headings[0] == ("Title", "Informe de cumplimiento")
    assert [t for s, t in headings if s == "Heading 1"] == ["Compromiso", "Resumen de metas", "Detalle por meta"]
    milestone_headings = [t for s, t in headings if s == "Heading 2"]
    assert len(milestone_headings) == 11
    assert milestone_headings[1] == "Meta 2. Revisar las reglas de operación del programa"
    assert milestone_headings[10].startswith("Meta 11. ")
    subtitles = [p.text for p in doc.paragraphs if p.style.name == "Subtitle"]
    assert subtitles == [COMMITMENT_TITLE, "Situación al 13 de diciembre de 2019"]
    assert doc.core_properties.language == "es-MX"

    summary = doc.tables[0]
    assert [c.text for c in summary.rows[0].cells] == ["Meta", "Objetivo", "Fecha de cumplimiento", "Estado", "Avance"]
    assert len(summary.rows) == 12
    assert [c.text for c in summary.rows[4].cells] == [
        "4", "Elaborar el diagnóstico del padrón de beneficiarias", "17 de agosto de 2019", "Vencido", "50%"]
    for table in doc.tables:  # every table announces a header row that repeats across pages
        assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None

    evidence_tables = [t for t in doc.tables if t.rows[0].cells[-1].text == "SHA-256"]
    rows = [[c.text for c in row.cells] for t in evidence_tables for row in t.rows[1:]]
    assert ["7", "Memoria fotográfica del taller", "Memoria fotográfica", "2 de julio de 2019", "Observada",
            OBSERVED_SHA] in rows
    assert ["—", "Evidencia restringida (datos personales)", "Lista de asistencia", "2 de julio de 2019",
            "En revisión", "—"] in rows

    bullets = [p.text for p in doc.paragraphs if p.style.name == "List Bullet"]
    assert {"Publicar el análisis", "Recibir comentarios", "Reglas claras"} <= set(bullets)


def test_docx_content_and_restricted_evidence() -> None:
    text = docx_text(render_docx(build_report()))
    for expected in ("Situación al 13 de diciembre de 2019", "Avance general: 42.5%", "Observada", "Validada",
                     "Medios de verificación faltantes", "Ninguno", "Observaciones del comité",
                     "María Guadalupe Núñez · 20 de julio de 2019, 17:30 UTC", "Por definir",
                     "Generado el 25 de noviembre de 2026, 10:00 UTC", "Del 1 de marzo de 2019 al 31 de agosto de 2020"):
        assert expected in text, expected
    assert "Evidencia restringida (datos personales)" in text
    assert "Sobre: Evidencia restringida (datos personales)" in text  # the observation about it, too
    assert SECRET_TITLE not in text and "CURP" not in text
    assert SECRET_SHA not in text


def test_pdf_text_reads_back() -> None:
    data = render_pdf(build_report())
    pages = pdf_pages(data)
    text = "\n".join(pages)
    flat = squash(text)
    assert "Informe de cumplimiento" in text
    assert "13 de diciembre de 2019" in text
    assert "Vencido" in text and "Observada" in text
    assert "fotográfica" in text and "Participación" in text
    assert squash(COMMITMENT_TITLE) in flat  # curly quotes survive
    assert OBSERVED_SHA in flat  # wrapped in the cell, complete once whitespace is removed
    assert "Evidencia restringida (datos personales)" in text
    assert squash(SECRET_TITLE) not in flat and "CURP" not in text and SECRET_SHA not in flat
    assert f"Página 1 de {len(pages)}" in pages[0]
    assert f"Página {len(pages)} de {len(pages)}" in pages[-1]


def test_pdf_paginates_hundreds_of_evidence_rows() -> None:
    report = build_report()
    rows = [_evidence(1000 + i, f"Oficio de seguimiento número {i} " + "con anexos " * (i % 7),
                      "Oficio", "2019-09-01", ("validada", "observada", "pendiente")[i % 3]) for i in range(300)]
    report["milestones"][4]["evidence"] = rows
    pages = pdf_pages(render_pdf(report))
    assert len(pages) > 5
    assert f"Página 1 de {len(pages)}" in pages[0]
    flat = squash("\n".join(pages))
    assert all(row["sha256"] in flat for row in rows)
    # The header row is repeated on the pages the table spans.
    assert sum("SHA-256" in page for page in pages) > 5

    doc = Document(io.BytesIO(render_docx(report)))
    assert max(len(t.rows) for t in doc.tables) == 301


def test_empty_and_hostile_input_never_crashes() -> None:
    empty = {"as_of": None, "generated_at": None, "percent": None, "plan": {}, "commitment": {}, "milestones": []}
    assert "No hay metas registradas." in docx_text(render_docx(empty))
    assert "No hay metas registradas." in "\n".join(pdf_pages(render_pdf(empty)))

    report = build_report()
    hostile = report["milestones"][5]
    hostile["objective"] = "Texto\x00con\x07controles 🚀 y 漢字 " + "muy largo " * 800
    hostile["evidence"] = [
        _evidence(99, "https://example.org/" + "x" * 3000, "Enlace", "2019-01-01", "validada"),
        # Narrow columns overflowing with junk: fpdf2 fails outright on a row taller than a page.
        {"id": 10**300, "title": "t", "means": "línea\n" * 500, "date": "x" * 5000, "sha256": "ab" * 3000,
         "review": "rara" * 500, "restricted": False},
    ]
    hostile["observations"] = [{"evidence_id": None, "evidence_title": None, "by": "Comité", "at": "fecha rara",
                                "comment": "Comentario larguísimo. " * 600}]
    hostile["activities"] = [{"name": "a" * 5000, "date": "no es fecha", "status_label": "Próximo",
                              "missing": ["Minuta"] * 300}]
    docx = docx_text(render_docx(report))
    assert "Textocon" in docx and "\x00" not in docx
    pdf = "\n".join(pdf_pages(render_pdf(report)))
    assert "Comentario larguísimo." in pdf
    assert "Textoconcontroles ? y ??" in pdf  # glyphs DejaVu lacks are visibly replaced, not dropped


def test_pdf_falls_back_to_core_fonts(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setattr(report_module, "FONT_DIR", tmp_path / "sin-fuentes")
    report = copy.deepcopy(build_report())
    report["milestones"][0]["observations"] = [
        {"evidence_id": 1, "evidence_title": "Minuta", "by": "Ştefan Ōta", "at": "2019-06-01", "comment": "Listo ✓"}]
    text = "\n".join(pdf_pages(render_pdf(report)))
    assert "Informe de cumplimiento" in text and "fotográfica" in text  # Latin-1 accents kept
    assert '"Apoyo a las organizaciones de la sociedad civil"' in text  # curly quotes → ASCII
    assert "Stefan Ota" in text and "Listo ?" in text  # decomposed to Latin-1, or "?"


def test_pdf_fonts_come_from_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    """No system fonts needed: DejaVu ships in evidence_repo/compliance/fonts, with its licence."""
    import builtins
    from pathlib import Path

    import evidence_repo

    package = Path(evidence_repo.__file__).parent
    assert report_module.FONT_DIR == package / "compliance" / "fonts"
    assert {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSansMono.ttf", "LICENSE"} <= {
        p.name for p in report_module.FONT_DIR.iterdir()}
    real_open = builtins.open

    def no_system_fonts(file: Any, *args: Any, **kwargs: Any) -> Any:
        if str(file).startswith("/usr/share/fonts"):
            raise FileNotFoundError(file)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", no_system_fonts)
    report = copy.deepcopy(build_report())
    report["milestones"][0]["observations"] = [
        {"evidence_id": 1, "evidence_title": "Minuta", "by": "Ştefan Ōta", "at": "2019-06-01", "comment": "Listo ✓"}]
    data = render_pdf(report)
    text = "\n".join(pdf_pages(data))
    assert "Ştefan Ōta" in text and "Listo ✓" in text  # beyond Latin-1: the Unicode font was embedded
    fonts = {str(font["/BaseFont"]) for page in PdfReader(io.BytesIO(data)).pages
             for font in page["/Resources"]["/Font"].values()}
    assert any("DejaVuSans" in name for name in fonts), fonts
