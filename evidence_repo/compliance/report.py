"""Render the accountability report ("Informe de cumplimiento") as DOCX and PDF.

The input is a plain, JSON-like dict so the report can be produced by any caller
(web view, CLI, background job) without this module knowing about Flask or SQL.
Content is built once as a small list of neutral blocks (headings, text, lists,
tables) and then laid out by two thin renderers, so both formats always say the
same thing.

The words around the data are translations: they follow the web request's
language, or ``flask_babel.force_locale``; outside a request they are Spanish.

Restricted evidence (personal data) is reduced to a placeholder *here* as well
as upstream: a renderer is the last place a leaked title or hash could escape.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import takewhile
from pathlib import Path
from typing import Any, Literal

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Pt, RGBColor
from docx.table import Table as DocxTable
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from fpdf import FPDF
from fpdf.fonts import FontFace, TTFFont

from evidence_repo import dates, rich_text
from evidence_repo.compliance.status import REVIEW_LABELS

__all__ = ["Block", "Bullets", "Heading", "Note", "Table", "Text", "format_date", "render_docx", "render_pdf",
           "title_page"]

# DejaVu ships inside the package (see fonts/LICENSE), so the report needs no system fonts.
FONT_DIR = Path(__file__).parent / "fonts"
RESTRICTED_LABEL = _l("Evidencia restringida (datos personales)")
NOT_DEFINED = _l("Por definir")
NONE_LABEL = _l("Ninguno")

_HEX_RE = re.compile(r"[0-9a-fA-F]+")
# Characters lxml refuses in XML and fpdf2 would draw as boxes.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MAX_CELL_CHARS = 400  # table cells stay readable; the full text lives in the repository
_SHORT_OBJECTIVE_CHARS = 140


# --------------------------------------------------------------------------- formatting


def language() -> str:
    """The report's language tag ("es-MX", "en"): the current translation's."""
    return dates.current_locale().replace("_", "-")


def format_date(value: str | date | None, missing: str | None = None) -> str:
    """Spell a date the way the reader expects ("17 de octubre de 2019", "October 17, 2019").

    Accepts ISO dates or datetimes (only the date part is used); an unparsable
    value is returned as given rather than hidden.
    """
    missing = str(NOT_DEFINED) if missing is None else missing
    if value is None or value == "":
        return missing
    if isinstance(value, date):
        return dates.long_date(value)
    try:
        day = date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return _clean(value)
    return dates.long_date(day)


def _parse_moment(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _format_moment(value: str | None, missing: str | None = None) -> str:
    """Date plus time (and its offset) when the input carries one; a bare date otherwise."""
    missing = _("Sin fecha") if missing is None else missing
    if not value:
        return missing
    moment = _parse_moment(value)
    if moment is None or len(str(value).strip()) <= 10:
        return format_date(value, missing)
    text = f"{format_date(moment)}, {moment:%H:%M}"
    offset = moment.utcoffset()
    if offset is None:
        return text
    if not offset:
        return f"{text} UTC"
    zone = f"{moment:%z}"  # "-0600"
    return f"{text} (UTC{zone[:3]}:{zone[3:5]})"


def _format_percent(value: Any) -> str:
    """"42.5%" / "60%": one decimal at most, no noisy ".0"."""
    try:
        number = round(float(value), 1)
    except (TypeError, ValueError):
        return "—"
    return f"{number:g}%" if number == int(number) else f"{number:.1f}%"


def _clean(value: Any) -> str:
    """Text safe for both XML and PDF: composed accents, no control characters."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value)).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL_RE.sub("", text.replace("\t", "    "))


def _cap(text: str, limit: int = _MAX_CELL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _first_line(text: Any) -> str:
    """The short form of a milestone objective: its first line, without a bullet marker."""
    first = rich_text.first_line(_clean(text))
    return _cap(first, _SHORT_OBJECTIVE_CHARS) if first else str(NOT_DEFINED)


def _join(items: Iterable[Any], empty: str | None = None) -> str:
    values = [_clean(item) for item in items if item]
    return ", ".join(values) if values else (str(NONE_LABEL) if empty is None else empty)


def _title(report: Mapping[str, Any] | None = None) -> str:
    """The document's title: the compliance report's, unless the report names its own (``"title"``)."""
    return _clean((report or {}).get("title")) or _("Informe de cumplimiento")


# --------------------------------------------------------------------------- content model


@dataclass(frozen=True)
class _Heading:
    level: int  # 0 = document title
    text: str


@dataclass(frozen=True)
class _Text:
    text: str
    label: str | None = None  # rendered in bold before the text ("Tema: …")
    kind: Literal["normal", "subtitle", "meta"] = "normal"


@dataclass(frozen=True)
class _Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class _Note:
    """A committee observation: who/when/about in bold, then the comment."""

    header: str
    body: str


@dataclass(frozen=True)
class _Progress:
    percent: float | None
    label: str


@dataclass(frozen=True)
class _Table:
    caption: str
    headers: tuple[str, ...]
    widths: tuple[float, ...]  # relative column widths
    rows: list[tuple[str, ...]] = field(default_factory=list)
    mono_column: int | None = None  # hashes: monospace and small, when the value is hex


_Block = _Heading | _Text | _Bullets | _Note | _Progress | _Table


# The content model, for other documents laid out by the same two renderers (pass ``{"blocks": [...]}``).
Block = _Block
Heading = _Heading
Text = _Text
Bullets = _Bullets
Note = _Note
Table = _Table


def _rich_text(text: Any, label: str) -> list[_Block]:
    """Free text with "- " lines as paragraphs and real bullet lists; the first paragraph carries the label."""
    parsed = rich_text.parse(_clean(text))
    if not parsed:
        return [_Text(str(NOT_DEFINED), label=label)]
    blocks: list[_Block] = []
    pending: str | None = label
    for block in parsed:
        if isinstance(block, rich_text.BulletList):
            if pending is not None and not blocks:
                blocks.append(_Text("", label=pending))
                pending = None
            blocks.append(_Bullets(block.items))
        else:
            blocks.append(_Text(block.text, label=pending))
            pending = None
    return blocks


def _review_label(value: Any) -> str:
    label = REVIEW_LABELS.get(str(value or "pendiente"))
    return str(label) if label is not None else _clean(value).capitalize()


def _evidence_row(evidence: Mapping[str, Any]) -> tuple[str, ...]:
    """One evidence row; restricted items show only the placeholder, whatever was passed."""
    means = _cap(_clean(evidence.get("means")) or "—")
    when = format_date(evidence.get("date"), _("Sin fecha"))
    review = _review_label(evidence.get("review"))
    if evidence.get("restricted"):
        return ("—", str(RESTRICTED_LABEL), means, when, review, "—")
    ident = evidence.get("id")
    return (
        f"{ident}" if ident is not None else "—",
        _cap(_clean(evidence.get("title")) or _("Sin título")),
        means,
        when,
        review,
        _clean(evidence.get("sha256")).strip() or "—",
    )


def _observation_note(obs: Mapping[str, Any], restricted_ids: set[Any]) -> _Note:
    """Name the evidence an observation is about, unless that evidence is restricted."""
    header = f"{_clean(obs.get('by')) or _('Comité')} · {_format_moment(obs.get('at'))}"
    ident, title = obs.get("evidence_id"), _clean(obs.get("evidence_title"))
    if ident is not None and ident in restricted_ids:
        header += " · " + _("Sobre: %(what)s", what=RESTRICTED_LABEL)
    elif ident is not None:
        header += " · " + (_("Sobre: “%(title)s” (evidencia %(id)s)", title=title, id=ident) if title
                           else _("Sobre: evidencia %(id)s", id=ident))
    elif title:
        header += " · " + _("Sobre: “%(title)s”", title=title)
    return _Note(header, _clean(obs.get("comment")) or _("(Sin comentario)"))


def _milestone_blocks(milestone: Mapping[str, Any]) -> Iterator[_Block]:
    number = _clean(milestone.get("number"))
    objective = _clean(milestone.get("objective")).strip()
    short = _first_line(objective)
    yield _Heading(2, _("Meta %(n)s. %(objective)s", n=number, objective=short) if number
                   else _("Meta. %(objective)s", objective=short))
    if objective != short:  # the heading already says it all for one-line objectives
        yield from _rich_text(objective, _("Objetivo"))
    yield _Text(format_date(milestone.get("due")), label=_("Fecha de cumplimiento"))
    status = _clean(milestone.get("status_label")) or _clean(milestone.get("status")) or "—"
    yield _Text(_("%(status)s · avance %(percent)s", status=status, percent=_format_percent(milestone.get("percent"))),
                label=_("Estado"))
    yield _Text(_join(milestone.get("responsible") or [], str(NOT_DEFINED)), label=_("Responsables"))
    yield _Text(_join(milestone.get("required") or []), label=_("Medios de verificación requeridos"))

    yield _Heading(3, _("Medios de verificación faltantes"))
    missing = [_clean(m) for m in milestone.get("missing") or [] if m]
    yield _Bullets(tuple(missing)) if missing else _Text(str(NONE_LABEL))

    yield _Heading(3, _("Evidencias"))
    evidence = milestone.get("evidence") or []
    if evidence:
        yield _Table(
            caption=_("Evidencias de la meta %(n)s", n=number),
            headers=(_("ID"), _("Evidencia"), _("Medio de verificación"), _("Fecha"), _("Revisión"), "SHA-256"),
            widths=(12, 44, 29, 27, 20, 52),
            rows=[_evidence_row(ev) for ev in evidence],
            mono_column=5,
        )
    else:
        yield _Text(_("Sin evidencias registradas."))

    yield _Heading(3, _("Observaciones del comité"))
    restricted_ids = {ev.get("id") for ev in evidence if ev.get("restricted") and ev.get("id") is not None}
    observations = milestone.get("observations") or []
    if observations:
        yield from (_observation_note(obs, restricted_ids) for obs in observations)
    else:
        yield _Text(_("Sin observaciones."))

    yield _Heading(3, _("Actividades"))
    activities = milestone.get("activities") or []
    if activities:
        yield _Table(
            caption=_("Actividades de la meta %(n)s", n=number),
            headers=(_("Actividad"), _("Fecha"), _("Estado"), _("Medios faltantes")),
            widths=(64, 33, 24, 56),
            rows=[
                (
                    _cap(_clean(act.get("name")) or str(NOT_DEFINED)),
                    format_date(act.get("date")),
                    _clean(act.get("status_label")) or "—",
                    _cap(_join(act.get("missing") or [])),
                )
                for act in activities
            ],
        )
    else:
        yield _Text(_("Sin actividades registradas."))


def _title_page(subtitle: str, report: Mapping[str, Any]) -> list[_Block]:
    """The report's title, what it is about, as of when, and when it was made."""
    return [
        _Heading(0, _title(report)),
        _Text(subtitle, kind="subtitle"),
        _Text(_("Situación al %(date)s", date=format_date(report.get("as_of"))), kind="subtitle"),
        _Text(_("Generado el %(moment)s", moment=_format_moment(report.get("generated_at"), _("fecha desconocida"))),
              kind="meta"),
    ]


title_page = _title_page


def _build(report: Mapping[str, Any]) -> list[_Block]:
    """The whole report as neutral blocks, shared by both renderers."""
    plan = report.get("plan") or {}
    commitment = report.get("commitment") or {}
    milestones = report.get("milestones") or []
    undefined = str(NOT_DEFINED)
    blocks: list[_Block] = [
        *_title_page(_clean(commitment.get("title")) or _("Compromiso sin título"), report),
        _Heading(1, _("Compromiso")),
    ]
    plan_title = _clean(plan.get("title")) or undefined
    jurisdiction = _clean(plan.get("jurisdiction"))
    blocks.append(_Text(f"{plan_title} ({jurisdiction})" if jurisdiction else plan_title, label=_("Plan de acción")))
    blocks.append(_Text(_clean(commitment.get("theme")) or undefined, label=_("Tema")))
    start, end = commitment.get("start_date"), commitment.get("end_date")
    period = (_("Del %(start)s al %(end)s", start=format_date(start), end=format_date(end)) if start or end
              else undefined)
    blocks.append(_Text(period, label=_("Periodo")))
    institution = _clean(commitment.get("responsible_institution")) or undefined
    blocks.append(_Text(institution, label=_("Institución responsable")))
    blocks.append(_Text(_clean(commitment.get("responsible_person")) or undefined, label=_("Persona responsable")))
    blocks.extend(_rich_text(commitment.get("main_objective"), _("Objetivo principal")))
    if commitment.get("short_description"):
        blocks.extend(_rich_text(commitment.get("short_description"), _("Descripción breve")))
    blocks.append(_Progress(_as_float(report.get("percent")),
                            _("Avance general: %(percent)s", percent=_format_percent(report.get("percent")))))

    blocks.append(_Heading(1, _("Resumen de metas")))
    if not milestones:
        blocks.append(_Text(_("No hay metas registradas.")))
        return blocks
    counts = Counter(_clean(m.get("status_label")) or "—" for m in milestones)
    by_status = " · ".join(f"{label}: {n}" for label, n in counts.items())
    blocks.append(_Text(_("%(by_status)s (%(n)s en total)", by_status=by_status, n=len(milestones)),
                        label=_("Metas por estado")))
    blocks.append(_Table(
        caption=_("Resumen de metas"),
        headers=(_("Meta"), _("Objetivo"), _("Fecha de cumplimiento"), _("Estado"), _("Avance")),
        widths=(11, 84, 37, 25, 17),
        rows=[
            (
                _clean(m.get("number")),
                _first_line(m.get("objective")),
                format_date(m.get("due")),
                _clean(m.get("status_label")) or "—",
                _format_percent(m.get("percent")),
            )
            for m in milestones
        ],
    ))
    blocks.append(_Heading(1, _("Detalle por meta")))
    for milestone in milestones:
        blocks.extend(_milestone_blocks(milestone))
    return blocks


def _build_plan(report: Mapping[str, Any]) -> list[_Block]:
    """A whole plan: its title, then each commitment's report as one section (without its own title page)."""
    plan = report.get("plan") or {}
    blocks: list[_Block] = _title_page(_clean(plan.get("title")) or _("Plan sin título"), report)
    if plan.get("note"):
        blocks.append(_Text(_clean(plan.get("note")), label=_("Nota")))
    for section in report.get("sections") or []:
        title = _clean((section.get("commitment") or {}).get("title")) or _("Compromiso sin título")
        blocks.append(_Heading(1, title))
        blocks.extend(_build(section)[4:])  # the section's own title, subtitle and dates are the plan's
    if not report.get("sections"):
        blocks.append(_Text(_("Este plan no tiene compromisos.")))
    return blocks


def _blocks(report: Mapping[str, Any]) -> list[_Block]:
    if "blocks" in report:  # a document composed elsewhere (the committee's informe de retroalimentación)
        return list(report["blocks"])
    return _build_plan(report) if "sections" in report else _build(report)


def _as_float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None




def render_docx(report: Mapping[str, Any]) -> bytes:
    """Word document with real heading styles and header rows, for screen readers and editing."""
    doc = Document()
    section = doc.sections[0]
    page_width, margin = Cm(21.59), Cm(2)
    section.page_width, section.page_height = page_width, Cm(27.94)  # carta
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, margin)
    text_width = page_width - 2 * margin
    _docx_metadata(doc, report)

    for block in _blocks(report):
        if isinstance(block, _Heading):
            doc.add_heading(block.text, level=block.level)
        elif isinstance(block, _Text):
            style = {"subtitle": "Subtitle", "meta": None, "normal": None}[block.kind]
            paragraph = doc.add_paragraph(style=style)
            if block.label:
                paragraph.add_run(f"{block.label}: ").bold = True
            run = paragraph.add_run(block.text)
            if block.kind == "meta":
                run.font.size = Pt(9)
                run.font.color.rgb = RGBColor(0x59, 0x59, 0x59)
        elif isinstance(block, _Bullets):
            for item in block.items:
                doc.add_paragraph(item, style="List Bullet")
        elif isinstance(block, _Note):
            doc.add_paragraph().add_run(block.header).bold = True
            doc.add_paragraph(block.body).paragraph_format.left_indent = Cm(0.75)
        elif isinstance(block, _Progress):
            doc.add_paragraph().add_run(block.label).bold = True
        elif isinstance(block, _Table):
            _docx_table(doc, block, text_width)

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _docx_metadata(doc: DocxDocument, report: Mapping[str, Any]) -> None:
    """Title and language let assistive tech announce and pronounce the document correctly."""
    props = doc.core_properties
    commitment = _clean((report.get("commitment") or {}).get("title"))
    props.title = f"{_title(report)} — {commitment}" if commitment else _title(report)
    props.language = language()
    props.author = props.last_modified_by = ""
    props.comments = _("Situación al %(date)s", date=format_date(report.get("as_of")))
    generated = _parse_moment(report.get("generated_at"))
    if generated is not None:
        if generated.tzinfo is not None:
            generated = generated.astimezone(UTC).replace(tzinfo=None)
        props.created = props.modified = generated
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    r_pr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = r_pr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        r_pr.append(lang)
    lang.set(qn("w:val"), language())


def _docx_table(doc: DocxDocument, block: _Table, text_width: int) -> None:
    table: DocxTable = doc.add_table(rows=1, cols=len(block.headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    total = sum(block.widths)
    widths = [Emu(int(text_width * w / total)) for w in block.widths]
    for column, width in zip(table.columns, widths):
        column.width = width

    header = table.rows[0]
    _mark_header_row(header)
    for cell, text, width in zip(header.cells, block.headers, widths):
        cell.width = width
        _shade(cell, "DCE6F2")
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        run.font.size = Pt(9)
    for values in block.rows:
        for index, (cell, text, width) in enumerate(zip(table.add_row().cells, values, widths)):
            cell.width = width
            run = cell.paragraphs[0].add_run(text)
            run.font.size = Pt(9)
            if index == block.mono_column and _HEX_RE.fullmatch(text):
                run.font.name = "Courier New"
                run.font.size = Pt(7.5)
    caption = OxmlElement("w:tblCaption")
    caption.set(qn("w:val"), block.caption)
    table._tbl.tblPr.append(caption)
    doc.add_paragraph()  # breathing room; Word glues consecutive tables otherwise


def _mark_header_row(row: Any) -> None:
    """w:tblHeader: repeated on every page and announced as headers by screen readers."""
    tr_pr = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    tr_pr.append(flag)


def _shade(cell: Any, fill: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


# --------------------------------------------------------------------------- PDF

_LATIN1_FALLBACKS = str.maketrans({
    "“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "‚": "'",
    "–": "-", "—": "-", "‑": "-", "…": "...", "•": "-", "·": "-", "\u00a0": " ", "\u2009": " ",
})
_HEADING_SIZES = {0: 22.0, 1: 15.0, 2: 12.5, 3: 10.5}
_HEADING_ROOM = {1: 45.0, 2: 40.0, 3: 22.0}  # mm kept free below a heading, so it is never orphaned
_TEXT_SIZE = 10.0
_TABLE_SIZE = 8.0
_MONO_SIZE = 7.0
_CELL_MAX_LINES = 15
_ACCENT = (31, 73, 125)
_TOTAL_PAGES = "{total_paginas}"  # fpdf2 replaces it with the page count once the document is complete
_ZEBRA = (244, 246, 249)


def _latin1(text: str) -> str:
    """Best Latin-1 approximation for core fonts: typographic quotes → ASCII, é stays é."""
    out = []
    for char in text.translate(_LATIN1_FALLBACKS):
        if ord(char) < 256:
            out.append(char)
            continue
        base = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
        out.append(base or "?")
    return "".join(out)


class _ReportPdf(FPDF):
    """FPDF with the report's fonts, running header and "Página N de M" footer."""

    def __init__(self, running_title: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="letter")
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(auto=True, margin=18)
        self.running_title = running_title
        self.sans, self.mono, self.unicode = self._load_fonts()
        font = self.fonts.get(self.sans.lower())  # core fonts are registered only once used
        self.glyphs: frozenset[int] = frozenset(font.cmap) if isinstance(font, TTFFont) else frozenset()
        self.alias_nb_pages(_TOTAL_PAGES)

    def _load_fonts(self) -> tuple[str, str, bool]:
        """DejaVu for full Unicode; core fonts (Latin-1 only) when the TTF is unavailable."""
        regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
        mono = FONT_DIR / "DejaVuSansMono.ttf"
        try:
            self.add_font("DejaVuSans", "", regular)
            self.add_font("DejaVuSans", "B", bold if bold.is_file() else regular)
        except Exception:  # missing or unreadable font file: degrade, never fail
            return "helvetica", "courier", False
        try:
            self.add_font("DejaVuSansMono", "", mono)
        except Exception:
            return "DejaVuSans", "courier", True
        return "DejaVuSans", "DejaVuSansMono", True

    def safe(self, text: str) -> str:
        """Text as the current fonts can draw it; a missing glyph shows as "?" instead of vanishing."""
        if not self.unicode:
            return _latin1(text)
        if all(ord(char) in self.glyphs for char in text.replace("\n", "")):
            return text
        return "".join(char if char == "\n" or ord(char) in self.glyphs else "?" for char in text)

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font(self.sans, size=7.5)
        self.set_text_color(110)
        self.cell(0, 4, self.safe(self.running_title), align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(200)
        self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin, self.get_y() + 1)
        self.ln(5)
        self.set_text_color(0)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.sans, size=8)
        self.set_text_color(110)
        self.cell(0, 5, self.safe(_("Página %(page)s de %(total)s", page=self.page_no(), total=_TOTAL_PAGES)),
                  align="C")
        self.set_text_color(0)

    def ensure_space(self, height: float) -> None:
        """Start a new page rather than leave a heading alone at the bottom."""
        if self.get_y() + height > self.page_break_trigger:
            self.add_page()


def render_pdf(report: Mapping[str, Any]) -> bytes:
    """Printable PDF (US Letter) with page numbers; wraps and paginates any amount of content."""
    commitment = _clean((report.get("commitment") or {}).get("title"))
    pdf = _ReportPdf(_cap(f"{_title(report)} · {commitment}" if commitment else _title(report), 110))
    pdf.set_title(pdf.safe(f"{_title(report)} — {commitment}" if commitment else _title(report)))
    pdf.set_lang(language())
    pdf.set_creator("evidence_repo")
    generated = _parse_moment(report.get("generated_at"))
    if generated is not None:
        pdf.set_creation_date(generated if generated.tzinfo else generated.replace(tzinfo=UTC))
    pdf.add_page()

    blocks = _blocks(report)
    for index, block in enumerate(blocks):
        if isinstance(block, _Heading):
            _pdf_heading(pdf, block, _keep_with_next(blocks, index))
        elif isinstance(block, _Text):
            _pdf_text(pdf, block)
        elif isinstance(block, _Bullets):
            _pdf_bullets(pdf, block.items)
        elif isinstance(block, _Note):
            _pdf_note(pdf, block)
        elif isinstance(block, _Progress):
            _pdf_progress(pdf, block)
        elif isinstance(block, _Table):
            _pdf_table(pdf, block)
    return bytes(pdf.output())


def _keep_with_next(blocks: Sequence[_Block], index: int) -> float:
    """Room a heading needs below it (mm): its own content, plus any headings that follow it."""
    run = list(takewhile(lambda block: isinstance(block, _Heading), blocks[index:]))
    last = run[-1]
    assert isinstance(last, _Heading)
    return 12.0 * (len(run) - 1) + _HEADING_ROOM.get(last.level, 22.0)


def _pdf_heading(pdf: _ReportPdf, block: _Heading, room: float) -> None:
    size = _HEADING_SIZES.get(block.level, _TEXT_SIZE)
    if block.level > 0:
        pdf.ensure_space(room)
        pdf.ln({1: 4, 2: 3}.get(block.level, 1.5))
    if block.level in (1, 2):
        pdf.start_section(pdf.safe(_cap(block.text, 90)), level=block.level - 1, strict=False)
    pdf.set_font(pdf.sans, "B", size)
    pdf.set_text_color(*(_ACCENT if block.level < 3 else (40, 40, 40)))
    pdf.multi_cell(0, size * 0.5, pdf.safe(block.text), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0)
    if block.level == 1:
        pdf.set_draw_color(*_ACCENT)
        pdf.line(pdf.l_margin, pdf.get_y() + 0.5, pdf.w - pdf.r_margin, pdf.get_y() + 0.5)
        pdf.ln(2.5)
    else:
        pdf.ln(1)


def _pdf_text(pdf: _ReportPdf, block: _Text) -> None:
    size = {"subtitle": 12.5, "meta": 8.5, "normal": _TEXT_SIZE}[block.kind]
    height = size * 0.5
    pdf.set_text_color(*{"subtitle": (60, 60, 60), "meta": (110, 110, 110)}.get(block.kind, (0, 0, 0)))
    pdf.set_x(pdf.l_margin)
    if block.label:
        pdf.set_font(pdf.sans, "B", size)
        pdf.write(height, pdf.safe(f"{block.label}: "))
    pdf.set_font(pdf.sans, "", size)
    pdf.write(height, pdf.safe(block.text))
    pdf.ln(height + 1.2)
    pdf.set_text_color(0)


def _pdf_bullets(pdf: _ReportPdf, items: Sequence[str]) -> None:
    pdf.set_font(pdf.sans, "", _TEXT_SIZE)
    height, indent = _TEXT_SIZE * 0.5, 4.0
    for item in items:
        pdf.set_x(pdf.l_margin + indent)
        pdf.cell(indent, height, pdf.safe("•"))
        pdf.multi_cell(pdf.epw - 2 * indent, height, pdf.safe(item), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1.2)


def _pdf_note(pdf: _ReportPdf, block: _Note) -> None:
    height, indent = _TEXT_SIZE * 0.5, 5.0
    pdf.ensure_space(3 * height)
    pdf.set_font(pdf.sans, "B", _TEXT_SIZE - 0.5)
    pdf.multi_cell(0, height, pdf.safe(block.header), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.sans, "", _TEXT_SIZE)
    top, page = pdf.get_y(), pdf.page_no()
    pdf.set_x(pdf.l_margin + indent)
    pdf.multi_cell(pdf.epw - indent, height, pdf.safe(block.body), align="L", new_x="LMARGIN", new_y="NEXT")
    if pdf.page_no() == page:  # quote bar, only when the comment did not cross a page
        pdf.set_draw_color(*_ACCENT)
        pdf.set_line_width(0.6)
        pdf.line(pdf.l_margin + 1.5, top + 0.5, pdf.l_margin + 1.5, pdf.get_y() - 0.5)
        pdf.set_line_width(0.2)
    pdf.ln(2)


def _pdf_progress(pdf: _ReportPdf, block: _Progress) -> None:
    pdf.ensure_space(14)
    pdf.ln(1)
    pdf.set_font(pdf.sans, "B", 11)
    label = pdf.safe(block.label)
    pdf.cell(pdf.get_string_width(label) + 2, 6, label)
    width, x, y = 90.0, pdf.get_x() + 2, pdf.get_y() + 1.2
    pdf.set_fill_color(225, 225, 225)
    pdf.rect(x, y, width, 3.6, style="F")
    share = min(max(block.percent or 0.0, 0.0), 100.0) / 100
    if share:
        pdf.set_fill_color(*_ACCENT)
        pdf.rect(x, y, width * share, 3.6, style="F")
    pdf.set_fill_color(255)
    pdf.ln(9)


def _fit_cell(text: str, width_mm: float) -> str:
    """Bound a cell's height: fpdf2 cannot split a table row across pages and would fail outright."""
    lines = text.split("\n")
    if len(lines) > _CELL_MAX_LINES:
        text = "\n".join(lines[:_CELL_MAX_LINES]) + "…"
    return _cap(text, max(16, int((width_mm - 2.4) / 1.2 * _CELL_MAX_LINES)))


def _pdf_table(pdf: _ReportPdf, block: _Table) -> None:
    widths = [pdf.epw * w / sum(block.widths) for w in block.widths]
    pdf.set_font(pdf.sans, "", _TABLE_SIZE)
    pdf.set_draw_color(170)
    pdf.set_fill_color(*_ZEBRA)  # fpdf2 paints zebra rows with the *current* fill colour
    mono = FontFace(family=pdf.mono, size_pt=_MONO_SIZE)
    with pdf.table(
        width=pdf.epw,
        col_widths=block.widths,
        text_align="LEFT",
        v_align="TOP",
        line_height=_TABLE_SIZE * 0.45,
        padding=(1.0, 1.2),
        headings_style=FontFace(emphasis="BOLD", fill_color=(220, 230, 242)),
        cell_fill_color=_ZEBRA,
        cell_fill_mode="ROWS",
        repeat_headings=1,
    ) as table:
        heading = table.row()
        for text in block.headers:
            heading.cell(pdf.safe(text))
        for values in block.rows:
            row = table.row()
            for index, (text, width) in enumerate(zip(values, widths)):
                text = _fit_cell(text, width)
                if index == block.mono_column and _HEX_RE.fullmatch(text):
                    # Lines of 32 hex digits: a SHA-256 is two predictable halves, easy to compare.
                    row.cell("\n".join(text[i:i + 32] for i in range(0, len(text), 32)), style=mono)
                else:
                    row.cell(pdf.safe(text))
    pdf.ln(3)
