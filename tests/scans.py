"""Synthetic scans whose text is known: attendance lists, minutas, as people really scan or photograph them.

Used by the OCR tests (small pages) and by ``bench/ocr.py`` (full pages). Every generator is deterministic for
a given ``seed`` and returns ``(image, words)``: the page and the words a perfect reader would find on it.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections import Counter
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
SERIF = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")

FIRST_NAMES = ("María", "José", "Jesús", "Andrés", "Martín", "Sofía", "Ramón", "Inés", "Raúl", "Verónica",
               "Héctor", "Adrián", "Mónica", "Rubén", "Begoña", "Julián", "Lucía", "Óscar", "Natalia", "Íñigo")
SURNAMES = ("Núñez", "Peña", "Muñoz", "Ibáñez", "Gómez", "Hernández", "Martínez", "Pérez", "Sánchez", "Díaz",
            "López", "Rodríguez", "Fernández", "Jiménez", "Álvarez", "Ordóñez", "Cortés", "Beltrán", "Ruiz", "Ramírez")
ORGANISATIONS = ("CIDES", "Fundar", "Secretaría de Bienestar", "Colectivo Ciudadano", "Observatorio Nacional",
                 "Comisión Estatal", "Instituto de Transparencia", "Red por la Rendición", "Contraloría Social",
                 "Asociación Vecinal")
MINUTA_WORDS = ("el comité revisó el padrón de beneficiarios y acordó publicar los avances del programa en la "
                "plataforma con información verificable sobre presupuesto, metas, indicadores y calendario; "
                "la sociedad civil solicitó que las sesiones se transmitan en línea y que las minutas incluyan "
                "los compromisos asumidos por cada dependencia, así como las fechas de cumplimiento acordadas "
                "durante la reunión de seguimiento trimestral").split()

WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)


def words_of(text: str) -> Counter[str]:
    """The words (two letters or more) of ``text``, case-folded, NFC: what recall is counted over."""
    return Counter(WORD.findall(unicodedata.normalize("NFC", text).casefold()))


def recall(expected: Counter[str], text: str) -> float:
    """Share of the expected words (with repetitions) that ``text`` contains."""
    found = words_of(text)
    total = sum(expected.values())
    return sum(min(n, found[w]) for w, n in expected.items()) / total if total else 1.0


def _font(size: int, serif: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = SERIF if serif else FONT
    return ImageFont.truetype(str(path), size) if path.exists() else ImageFont.load_default(size=size)


def attendance_rows(rng: random.Random, count: int) -> list[tuple[str, str]]:
    names = []
    for _ in range(count):
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)} {rng.choice(SURNAMES)}"
        names.append((name, rng.choice(ORGANISATIONS)))
    return names


def attendance_table(rng: random.Random, *, rows: int = 22, width: int = 1654, height: int = 2339,
                     size: int = 30, title: str = "Lista de asistencia") -> tuple[Image.Image, str]:
    """A ruled table: number, name, organisation and a scribbled signature per row, like the real lists."""
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    font, bold = _font(size), _font(int(size * 1.3))
    margin = width // 14
    draw.text((margin, margin), title, font=bold, fill=0)
    subtitle = "Reunión de seguimiento del compromiso"
    draw.text((margin, margin + int(size * 2)), subtitle, font=font, fill=0)
    top = margin + int(size * 4.5)
    row_h = int(size * 2.1)
    cols = [margin, margin + int(width * 0.07), margin + int(width * 0.45), margin + int(width * 0.72),
            width - margin]
    header = ("No.", "Nombre", "Organización", "Firma")
    entries = attendance_rows(rng, rows)
    text = [title, subtitle, " ".join(header[1:3])]
    for r in range(rows + 2):
        y = top + r * row_h
        draw.line([(cols[0], y), (cols[-1], y)], fill=0, width=3)
    bottom = top + (rows + 1) * row_h
    for x in cols:
        draw.line([(x, top), (x, bottom)], fill=0, width=3)
    pad = (row_h - size) // 2
    for c, label in enumerate(header):
        draw.text((cols[c] + 10, top + pad), label, font=font, fill=0)
    for r, (name, org) in enumerate(entries, start=1):
        y = top + r * row_h + pad
        draw.text((cols[0] + 10, y), str(r), font=font, fill=0)
        draw.text((cols[1] + 10, y), name, font=font, fill=0)
        draw.text((cols[2] + 10, y), org, font=_font(int(size * 0.85)), fill=0)
        _signature(draw, rng, cols[3] + 15, y, cols[4] - cols[3] - 30, size)
        text.append(f"{name} {org}")
    return page, "\n".join(text)


def _signature(draw: ImageDraw.ImageDraw, rng: random.Random, x: int, y: int, width: int, size: int) -> None:
    points = [(x + i * width // 12, y + rng.randint(0, size)) for i in range(rng.randint(6, 12))]
    draw.line(points, fill=40, width=2)


def minuta(rng: random.Random, *, width: int = 1654, height: int = 2339, size: int = 24,
           columns: int = 2) -> tuple[Image.Image, str]:
    """A dense minuta in ``columns`` columns of justified-ish serif text."""
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    font = _font(size, serif=True)
    margin = width // 14
    title = "Minuta de la sesión ordinaria"
    draw.text((margin, margin), title, font=_font(int(size * 1.4), serif=True), fill=0)
    gutter = width // 20
    col_w = (width - 2 * margin - gutter * (columns - 1)) // columns
    line_h = int(size * 1.45)
    text = [title]
    for c in range(columns):
        x0 = margin + c * (col_w + gutter)
        y = margin + int(size * 3.5)
        while y < height - margin - line_h:
            line: list[str] = []
            while True:
                word = rng.choice(MINUTA_WORDS)
                if draw.textlength(" ".join([*line, word]), font=font) > col_w:
                    break
                line.append(word)
            draw.text((x0, y), " ".join(line), font=font, fill=0)
            text.append(" ".join(line))
            y += line_h
    return page, "\n".join(text)


# -- what scanners, copiers and phones do to a page ---------------------------------------------------------

def skew(page: Image.Image, degrees: float) -> Image.Image:
    return page.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)


def noise(page: Image.Image, rng: random.Random, amount: float = 0.004) -> Image.Image:
    """Salt-and-pepper specks and a little sensor grain."""
    page = page.copy()
    pixels = page.load()
    assert pixels is not None
    for _ in range(int(page.width * page.height * amount)):
        pixels[rng.randrange(page.width), rng.randrange(page.height)] = rng.choice((0, 90, 255))
    grain = Image.effect_noise(page.size, 18).point(lambda p: min(255, p + 110))
    return Image.blend(page, ImageChops.multiply(page, grain), 0.35)


def blur(page: Image.Image, radius: float = 1.2) -> Image.Image:
    return page.filter(ImageFilter.GaussianBlur(radius))


def jpeg(page: Image.Image, quality: int = 35) -> Image.Image:
    import io

    out = io.BytesIO()
    page.convert("L").save(out, "JPEG", quality=quality)
    return Image.open(io.BytesIO(out.getvalue())).convert("L")


def fade(page: Image.Image) -> Image.Image:
    """A washed-out photocopy: grey strokes on an off-white, uneven background."""
    faded = page.point(lambda p: int(140 + p * 0.45))
    wash = Image.linear_gradient("L").resize(page.size).point(lambda p: 255 - p // 8)
    return ImageChops.multiply(faded, wash)


def sideways(page: Image.Image, clockwise: bool = True) -> Image.Image:
    return page.transpose(Image.Transpose.ROTATE_270 if clockwise else Image.Transpose.ROTATE_90)


def phone_photo(page: Image.Image, rng: random.Random) -> Image.Image:
    """A page photographed at an angle on a table: perspective, a desk border, shade across the sheet."""
    w, h = page.size
    canvas = (int(w * 1.12), int(h * 1.08))
    d = lambda f: int(f * rng.uniform(0.6, 1.0))  # noqa: E731
    # where the page's corners land in the photo (a trapezoid: the top is further away)
    corners = [(d(w * 0.08), d(h * 0.05)), (canvas[0] - d(w * 0.07), d(h * 0.03)),
               (canvas[0] - d(w * 0.02), canvas[1] - d(h * 0.02)), (d(w * 0.03), canvas[1] - d(h * 0.03))]
    source = [(0, 0), (w, 0), (w, h), (0, h)]
    coefficients = _perspective(corners, source)
    rgb = Image.merge("RGB", (page, page, page.point(lambda p: int(p * 0.93))))
    photo = rgb.transform(canvas, Image.Transform.PERSPECTIVE, coefficients, Image.Resampling.BICUBIC,
                          fillcolor=(92, 70, 52))
    shade = Image.linear_gradient("L").rotate(-35, expand=False).resize(canvas).point(lambda p: 255 - p * 3 // 10)
    photo = ImageChops.multiply(photo, Image.merge("RGB", (shade, shade, shade)))
    return blur(photo, 0.8)


def _perspective(target, source) -> list[float]:
    """Coefficients mapping output (target) points back to input (source) points, for Image.transform."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(target, source):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rhs.append(u)
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs.append(v)
    return _solve(rows, rhs)


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    n = len(b)
    m = [list(map(float, row)) + [float(v)] for row, v in zip(a, b)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(n):
            if r != col:
                f = m[r][col] / m[col][col]
                m[r] = [x - f * y for x, y in zip(m[r], m[col])]
    return [m[i][n] / m[i][i] for i in range(n)]


def save_pdf(pages: list[Image.Image], path, dpi: int = 200):
    """An image-only PDF, as a scanner writes it (one JPEG per page, no text layer)."""
    pages = [p.convert("L") for p in pages]
    pages[0].save(path, "PDF", resolution=dpi, save_all=True, append_images=pages[1:])
    return path


def scanned_list(seed: int = 1, *, small: bool = False) -> tuple[Image.Image, str]:
    """The commonest evidence: a ruled attendance list, slightly skewed, noisy, saved as a JPEG."""
    rng = random.Random(seed)
    size = dict(rows=8, width=1100, height=900, size=28) if small else {}
    page, text = attendance_table(rng, **size)  # type: ignore[arg-type]
    return jpeg(noise(skew(page, 1.8), rng), 45), text
