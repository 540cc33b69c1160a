"""Generators of small, real evidence files for tests and benchmarks.

Every function writes a deterministic file to ``path`` and returns ``path``;
nothing binary is committed to the repository.
"""

from __future__ import annotations

import datetime as dt
import struct
import textwrap
import zipfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

ATTENDANCE_TEXT = "Lista de asistencia de la reunión de seguimiento"
MINUTES_TEXT = "Minuta: se acordó revisar el padrón de beneficiarios"
PHOTO_TEXT = "Memoria fotográfica del taller de participación ciudadana"

_ZIP_DATE = (2024, 1, 1, 0, 0, 0)
_DOCX_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
_DOCX_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
    '2006/relationships/officeDocument" Target="word/document.xml"/>'
    "</Relationships>"
)


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """Return DejaVuSans at ``size`` when present so OCR sees real glyphs."""
    if FONT_PATH.exists():
        return ImageFont.truetype(str(FONT_PATH), size)
    return ImageFont.load_default(size=size)


def render_text_image(text: str, *, width: int = 1700, size: int = 48) -> Image.Image:
    """Render wrapped black-on-white text into a grayscale image, like a clean scan."""
    font = _font(size)
    lines = []
    for paragraph in text.splitlines() or [""]:
        lines.extend(textwrap.wrap(paragraph, width=max(10, width // (size * 6 // 10))) or [""])
    line_height = int(size * 1.5)
    image = Image.new("L", (width, line_height * len(lines) + 2 * size), 255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((size, size + i * line_height), line, font=font, fill=0)
    return image


def make_text_pdf(path, text: str):
    """Write a PDF with a real text layer (fpdf2 core font, Latin-1 accents)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_creation_date(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.multi_cell(0, 8, text)
    pdf.output(str(path))
    return path


def make_scanned_pdf(path, text: str):
    """Write an image-only PDF (no text layer), as a scanner would."""
    render_text_image(text).save(path, "PDF", resolution=200)
    return path


def make_encrypted_pdf(path, text: str, password: str = "secreta", owner_password: str = "dueño"):
    """Write an AES-encrypted text PDF; ``password=""`` gives an owner-only protected PDF."""
    from pypdf import PdfReader, PdfWriter

    plain = Path(str(path) + ".plain.pdf")
    make_text_pdf(plain, text)
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user_password=password, owner_password=owner_password, algorithm="AES-128")
    writer.write(path)
    plain.unlink()
    return path


def make_truncated_pdf(path, text: str = MINUTES_TEXT, keep: float = 0.6):
    """Write a text PDF cut to ``keep`` of its bytes, like an interrupted upload."""
    make_text_pdf(path, text)
    data = Path(path).read_bytes()
    Path(path).write_bytes(data[: int(len(data) * keep)])
    return path


def make_docx(path, paragraphs, table_rows=None, header: str | None = None, footer: str | None = None):
    """Write a DOCX with paragraphs, an optional table and header/footer text."""
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if table_rows:
        table = document.add_table(rows=len(table_rows), cols=len(table_rows[0]))
        for row, values in zip(table.rows, table_rows):
            for cell, value in zip(row.cells, values):
                cell.text = str(value)
    section = document.sections[0]
    if header:
        section.header.paragraphs[0].text = header
    if footer:
        section.footer.paragraphs[0].text = footer
    document.core_properties.created = dt.datetime(2024, 1, 1)
    document.save(str(path))
    return path


def make_pptx(path, slides, notes=None):
    """Write a PPTX from ``(title, body)`` pairs with optional speaker notes per slide."""
    from pptx import Presentation

    presentation = Presentation()
    layout = presentation.slide_layouts[1]
    for i, (title, body) in enumerate(slides):
        slide = presentation.slides.add_slide(layout)
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
        if notes and i < len(notes) and notes[i]:
            slide.notes_slide.notes_text_frame.text = notes[i]
    presentation.save(str(path))
    return path


def make_xlsx(path, rows, sheet_title: str = "Asistencia"):
    """Write an XLSX with one sheet holding ``rows``."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    for row in rows:
        sheet.append(list(row))
    workbook.save(str(path))
    return path


def make_odt(path, paragraphs):
    """Write a minimal valid ODT (mimetype stored first, content.xml with paragraphs)."""
    from xml.sax.saxutils import escape

    body = "".join(f"<text:p>{escape(p)}</text:p>" for p in paragraphs)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:body><office:text>{body}</office:text></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.text"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype", _ZIP_DATE), "application/vnd.oasis.opendocument.text")
        for name, data in (("content.xml", content), ("META-INF/manifest.xml", manifest)):
            archive.writestr(zipfile.ZipInfo(name, _ZIP_DATE), data, compress_type=zipfile.ZIP_DEFLATED)
    return path


def make_photo(path, text: str = PHOTO_TEXT, exif_date: dt.datetime | None = dt.datetime(2024, 3, 15, 10, 30)):
    """Write a JPEG 'phone photo' with large OCR-able text and EXIF DateTimeOriginal."""
    image = render_text_image(text, width=1400, size=56).convert("RGB")
    exif = Image.Exif()
    exif[0x010F] = "Evidence Phone"
    if exif_date is not None:
        stamp = exif_date.strftime("%Y:%m:%d %H:%M:%S")
        exif[0x0132] = stamp
        exif.get_ifd(0x8769)[0x9003] = stamp
    image.save(path, "JPEG", quality=90, exif=exif.tobytes())
    return path


def make_image(path, text: str = PHOTO_TEXT, fmt: str = "PNG"):
    """Write a text image in ``fmt`` (PNG, TIFF, WEBP or HEIF)."""
    image = render_text_image(text, width=1400, size=56).convert("RGB")
    if fmt.upper() in {"HEIF", "HEIC"}:
        import pillow_heif

        pillow_heif.from_pillow(image).save(path, quality=90)
    else:
        options = {"WEBP": {"lossless": True}, "TIFF": {"compression": "tiff_deflate"}}
        image.save(path, fmt, **options.get(fmt.upper(), {}))
    return path


def make_big_png(path, width: int = 10_000, height: int = 10_000):
    """Write a 1-bit PNG of ``width`` x ``height`` (100 MP by default) in a few MB."""
    image = Image.new("1", (width, height), 1)
    image.save(path, "PNG")
    return path


def make_docx_zip_bomb(path, inflated_mb: int = 1100):
    """Write a DOCX-shaped zip whose document.xml inflates to ``inflated_mb`` MB of zeros.

    The entry is streamed in 1 MB chunks, so memory stays flat and the file is ~1 MB.
    """
    chunk = b"\0" * (1 << 20)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr(zipfile.ZipInfo("[Content_Types].xml", _ZIP_DATE), _DOCX_CONTENT_TYPES)
        archive.writestr(zipfile.ZipInfo("_rels/.rels", _ZIP_DATE), _DOCX_RELS)
        info = zipfile.ZipInfo("word/document.xml", _ZIP_DATE)
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as entry:
            for _ in range(inflated_mb):
                entry.write(chunk)
    return path


def make_elf_as_pdf(path):
    """Write a minimal x86-64 ELF executable header, to be saved under a .pdf name."""
    header = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    header += struct.pack("<HHIQQQIHHHHHH", 2, 0x3E, 1, 0x401000, 64, 0, 0, 64, 56, 1, 64, 0, 0)
    program = struct.pack("<IIQQQQQQ", 1, 5, 0, 0x400000, 0x400000, 120, 120, 0x1000)
    Path(path).write_bytes(header + program)
    return path


def make_text_file(path, text: str, encoding: str = "utf-8"):
    """Write plain text (TXT or CSV) in ``encoding``."""
    Path(path).write_bytes(text.encode(encoding))
    return path


def make_pdf_flate_bomb(path, inflated_mb: int = 100):
    """Write a one-page PDF whose content stream inflates to ``inflated_mb`` MB (spaces)."""
    import zlib

    packer = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    stream = b"".join(packer.compress(chunk) for _ in range(inflated_mb)) + packer.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    Path(path).write_bytes(bytes(out))
    return path


def reorder_zip(path):
    """Rewrite an office zip with its type marker entries last, so libmagic only sees a zip."""
    with zipfile.ZipFile(path) as archive:
        entries = [(info, archive.read(info)) for info in archive.infolist()]
    markers = {"[Content_Types].xml", "mimetype"}
    entries.sort(key=lambda entry: entry[0].filename in markers)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            archive.writestr(zipfile.ZipInfo(info.filename, _ZIP_DATE), data, compress_type=zipfile.ZIP_DEFLATED)
    return path


def make_multipage_tiff(path, texts):
    """Write a multi-page TIFF scan, one page per text."""
    pages = [render_text_image(text, width=1400, size=56) for text in texts]
    pages[0].save(path, "TIFF", compression="tiff_deflate", save_all=True, append_images=pages[1:])
    return path
