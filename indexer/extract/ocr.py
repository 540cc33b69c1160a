"""Reading a scanned page: upright it, straighten it, pick the page segmentation that reads it best.

One path for photos, scans and PDF pages without a text layer. Tesseract's automatic segmentation (psm 3)
reads prose well but gives up on ruled tables (attendance lists), and nothing reads a page fed sideways. So a
page is deskewed (a projection profile, cheap), read with psm 3, and only when that reading is weak (few
words or low confidence for the ink on the page) its orientation is detected (Tesseract OSD) and the sparse
and single-column modes are tried; the reading with the most confident words wins. Every Tesseract run is
bounded by the page's time budget and the file's deadline. The winning run can also render the page as a
searchable PDF (the page image with an invisible text layer).
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

from PIL import Image, ImageChops, ImageFilter, ImageMath, ImageOps

from .result import ExtractionError, Messages
from .safety import Deadline

OCR_LANG = "spa"
OCR_MAX_PIXELS = 25_000_000
PAGE_SECONDS = 90.0  # budget of one page; a file's deadline may cut it shorter
GOOD_CONFIDENCE = 80.0  # mean word confidence above which the first reading is kept as it is
FALLBACK_MODES = (11, 4, 6)  # sparse text, one column of lines, one uniform block (on the page without its rules)
MIN_ROTATION_CONFIDENCE = 2.0
WORDS_PER_INK = 1000  # fewer words than this times the page's ink share is "little text for the ink"
_DESKEW_WIDTH = 700
_DESKEW_RANGE = 5.0
_DESKEW_STEP = 0.25


@dataclass
class Word:
    text: str
    confidence: float
    line: tuple[int, int, int, int]  # block, paragraph, line, page-order key


@dataclass
class PageReading:
    """What OCR made of one page: text, mean word confidence (0-100), how and how long it took."""

    text: str = ""
    confidence: float | None = None
    words: int = 0
    psm: int = 3
    rotation: int = 0
    skew: float = 0.0
    seconds: float = 0.0
    pdf: bytes | None = field(default=None, repr=False)

    @property
    def score(self) -> float:
        """Sum of word confidences: more words read, and read surely, is better."""
        return (self.confidence or 0.0) * self.words


def read_page(image: Image.Image, deadline: Deadline, *, pdf: bool = False, dpi: int | None = None) -> PageReading:
    """OCR one page image; ``pdf`` also renders the winning reading as a one-page searchable PDF."""
    started = time.monotonic()
    page_deadline = _PageDeadline(deadline, PAGE_SECONDS)
    image = flatten_photo(_prepare(image))
    ink = ink_ratio(image)
    with tempfile.TemporaryDirectory(prefix="ocr-") as tmp:
        rotation = 0
        if looks_sideways(image):  # lines run up the page: ask OSD which way before reading anything
            page_deadline.extra = True
            try:
                rotation = detect_rotation(image, page_deadline, tmp, dpi)
            except _PageBudgetSpent:
                rotation = 0
            page_deadline.extra = False
            image = _turn(image, rotation)
        angle = estimate_skew(image)
        straight = _rotate(image, angle)
        best = _recognize(straight, 3, page_deadline, tmp, pdf, dpi)
        best.rotation, best.skew = rotation, angle
        shown = straight  # the page image of the best reading, as the searchable copy shows it
        page_deadline.extra = True
        try:
            if _weak(best, ink) and not rotation:
                rotation = detect_rotation(straight, page_deadline, tmp, dpi)
                if rotation:
                    image = _turn(image, rotation)
                    angle = estimate_skew(image)
                    straight = _rotate(image, angle)
                    upright = _recognize(straight, 3, page_deadline, tmp, pdf, dpi)
                    upright.rotation, upright.skew = rotation, angle
                    if upright.score >= best.score:
                        best, shown = upright, straight
                    else:  # OSD was wrong: go on with the page as it came
                        rotation, angle, straight = 0, best.skew, _rotate(_turn(image, -rotation), best.skew)
            cleaned = None
            for psm in FALLBACK_MODES:
                if not _weak(best, ink) or page_deadline.spent():
                    break
                cleaned = cleaned or remove_rules(straight)
                other = _recognize(cleaned, psm, page_deadline, tmp, pdf, dpi)
                other.rotation, other.skew = best.rotation, best.skew
                if other.score > best.score:
                    best, shown = other, straight
        except _PageBudgetSpent:
            pass  # the page's budget is spent: the best reading so far stands
    if best.pdf:
        best.pdf = _overlay(shown, best.pdf, dpi)
    best.seconds = time.monotonic() - started
    return best


def _overlay(image: Image.Image, text_pdf: bytes, dpi: int | None) -> bytes | None:
    """One PDF page: the page image (as read, without the erased rules) under Tesseract's invisible text."""
    from pypdf import PdfReader, PdfWriter, Transformation

    resolution = dpi or min(600, max(72, round(image.width / 8.5)))  # unknown: assume a letter-wide page
    picture = io.BytesIO()
    image.save(picture, "PDF", resolution=resolution, quality=75)
    try:
        writer = PdfWriter(clone_from=PdfReader(picture))
        page = writer.pages[0]
        text = PdfReader(io.BytesIO(text_pdf)).pages[0]
        sx = float(page.mediabox.width) / float(text.mediabox.width)
        sy = float(page.mediabox.height) / float(text.mediabox.height)
        page.merge_transformed_page(text, Transformation().scale(sx, sy))
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()
    except Exception:  # noqa: BLE001  (no copy rather than no text)
        return None


def _weak(reading: PageReading, ink: float) -> bool:
    """Few confident words for the ink on the page: psm 3 skipped a table, or the page is sideways."""
    if reading.confidence is None or reading.words == 0:
        return ink > 0.002
    if reading.confidence < GOOD_CONFIDENCE:
        return True
    # A page of text has at 1% ink some hundreds of words, a ruled list (rules are ink too) at 6% over a
    # hundred; when psm 3 gives up on a table it returns a few dozen.
    return reading.words < ink * WORDS_PER_INK


class _PageDeadline:
    """The file's deadline, and the page's own budget for the second opinions (OSD, other modes)."""

    def __init__(self, deadline: Deadline, seconds: float):
        self.deadline = deadline
        self.end = time.monotonic() + seconds
        self.extra = False  # set while a second opinion runs: it may only use the page's budget

    def remaining(self) -> float | None:
        file_left = self.deadline.remaining()  # raises the timeout failure when the file's budget is gone
        if not self.extra:
            return file_left
        left = self.end - time.monotonic()
        if left <= 0:
            raise _PageBudgetSpent
        return left if file_left is None else min(left, file_left)

    def spent(self) -> bool:
        return time.monotonic() >= self.end


class _PageBudgetSpent(Exception):
    """A second opinion ran out of the page's budget: keep the best reading so far."""


def _prepare(image: Image.Image) -> Image.Image:
    if image.width * image.height > OCR_MAX_PIXELS:
        factor = math.sqrt(OCR_MAX_PIXELS / (image.width * image.height))
        image = image.resize((max(1, int(image.width * factor)), max(1, int(image.height * factor))))
    if image.mode != "L":
        image = image.convert("L")  # Tesseract's own binarization misses text on some colour photos
    return image


def flatten_photo(image: Image.Image) -> Image.Image:
    """A sheet photographed on a darker desk, cut out and warped back into a rectangle (a scanner app's trick);
    any other image comes back as it is. The sheet is the bright region; its corners are its extreme points."""
    scale = min(1.0, 320 / max(image.width, image.height))
    small = image.resize((max(1, int(image.width * scale)), max(1, int(image.height * scale))),
                         Image.Resampling.BOX)
    threshold = _otsu(small.histogram())
    w, h = small.size
    data: list[int] = list(small.tobytes())  # mode L: one byte per pixel
    frame = [data[y * w + x] for x in range(w) for y in (0, 1, h - 2, h - 1)]
    frame += [data[y * w + x] for y in range(h) for x in (0, 1, w - 2, w - 1)]
    if sum(p < threshold for p in frame) < 0.6 * len(frame):
        return image  # no dark surround: a scan, or a photo filled by the page
    paper = [(i % w, i // w) for i, p in enumerate(data) if p >= threshold]
    if len(paper) < 0.25 * w * h:
        return image
    extremes = [min(paper, key=lambda p: p[0] + p[1]), max(paper, key=lambda p: p[0] - p[1]),
                max(paper, key=lambda p: p[0] + p[1]), min(paper, key=lambda p: p[0] - p[1])]
    corners = [(x / scale, y / scale) for x, y in extremes]
    top, bottom = math.dist(corners[0], corners[1]), math.dist(corners[3], corners[2])
    left, right = math.dist(corners[0], corners[3]), math.dist(corners[1], corners[2])
    size = (int(max(top, bottom)), int(max(left, right)))
    if size[0] < image.width * 0.4 or size[1] < image.height * 0.4:
        return image
    target = [(0, 0), (size[0], 0), size, (0, size[1])]
    sheet = image.transform(size, Image.Transform.PERSPECTIVE, _perspective(target, corners),
                            Image.Resampling.BICUBIC, fillcolor=255)
    return even_light(sheet)


def even_light(image: Image.Image) -> Image.Image:
    """Divide out the shade across a photographed sheet: each pixel over the local paper brightness."""
    small = image.resize((max(1, image.width // 8), max(1, image.height // 8)), Image.Resampling.BOX)
    paper = small.filter(ImageFilter.MaxFilter(5)).filter(ImageFilter.GaussianBlur(4))
    paper = paper.resize(image.size, Image.Resampling.BILINEAR)
    return ImageMath.lambda_eval(
        lambda m: m["convert"](m["min"](m["page"] * 255 / (m["paper"] + 1), 255), "L"), page=image, paper=paper)


def _perspective(target, source) -> list[float]:
    """Coefficients for Image.transform: where each output point (target) comes from (source)."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(target, source):
        rows += [[x, y, 1, 0, 0, 0, -u * x, -u * y], [0, 0, 0, x, y, 1, -v * x, -v * y]]
        rhs += [u, v]
    n = len(rhs)
    m = [[float(a) for a in row] + [float(b)] for row, b in zip(rows, rhs)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        if not m[col][col]:
            raise ValueError("degenerate quadrilateral")
        for r in range(n):
            if r != col:
                factor = m[r][col] / m[col][col]
                m[r] = [a - factor * b for a, b in zip(m[r], m[col])]
    return [m[i][n] / m[i][i] for i in range(n)]


def _small_binary(image: Image.Image) -> Image.Image:
    """A small black-text-is-white mask of the page, for measuring ink and skew cheaply."""
    scale = min(1.0, _DESKEW_WIDTH / max(image.width, 1))
    small = image.resize((max(1, int(image.width * scale)), max(1, int(image.height * scale))),
                         Image.Resampling.BOX)
    small = ImageOps.autocontrast(small, cutoff=1)
    histogram = small.histogram()
    threshold = _otsu(histogram)
    return small.point(lambda p: 255 if p < threshold else 0)


def ink_ratio(image: Image.Image) -> float:
    """Share of the page's pixels that are dark (text, rules, signatures)."""
    mask = _small_binary(image)
    histogram = mask.histogram()
    return histogram[255] / max(1, mask.width * mask.height)


def estimate_skew(image: Image.Image) -> float:
    """Skew in degrees (counter-clockwise positive) from the sharpest horizontal projection profile."""
    mask = _small_binary(image)
    best_angle, best_value = 0.0, -1.0
    steps = int(_DESKEW_RANGE / _DESKEW_STEP)
    for i in range(-steps, steps + 1):
        angle = i * _DESKEW_STEP
        rows = mask.rotate(angle, resample=Image.Resampling.NEAREST, expand=False).resize(
            (1, mask.height), Image.Resampling.BOX)
        value = _sharpness(rows)
        if value > best_value:
            best_angle, best_value = angle, value
    return -best_angle if abs(best_angle) >= 0.3 else 0.0


def _turn(image: Image.Image, clockwise: int) -> Image.Image:
    turns = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_90}
    return image.transpose(turns[clockwise % 360]) if clockwise % 360 in turns else image


def looks_sideways(image: Image.Image) -> bool:
    """Text lines run vertically: the column profile is much sharper than the row profile."""
    mask = _small_binary(image)
    rows = _sharpness(mask.resize((1, mask.height), Image.Resampling.BOX))
    columns = _sharpness(mask.resize((mask.width, 1), Image.Resampling.BOX))
    return columns > 2.0 * rows


def _sharpness(profile: Image.Image) -> float:
    values = list(profile.tobytes())  # mode L: one byte per pixel
    return sum((a - b) ** 2 for a, b in zip(values, values[1:])) / max(1, len(values))


def remove_rules(image: Image.Image) -> Image.Image:
    """The page without the long horizontal and vertical lines of a ruled table (Tesseract takes a row whose
    text touches its rules for a picture): every fully dark window of ~1/40 of the page is painted white."""
    width, height = image.size
    threshold = _otsu(image.histogram())
    dark = image.point(lambda p: 255 if p < threshold else 0)
    lines = Image.new("L", image.size, 0)
    across, down = max(24, width // 40), max(24, height // 40)
    passes = [((max(1, width // across), height), (int(across * shift), 0)) for shift in (0, 0.5)]
    passes += [((width, max(1, height // down)), (0, int(down * shift))) for shift in (0, 0.5)]
    for size, (dx, dy) in passes:  # two grids half a window apart, so the ends of each line go too
        windows = ImageChops.offset(dark, -dx, -dy).resize(size, Image.Resampling.BOX)
        windows = windows.point(lambda p: 255 if p >= 250 else 0).resize(image.size, Image.Resampling.NEAREST)
        lines = ImageChops.lighter(lines, ImageChops.offset(windows, dx, dy))
    if not lines.getbbox():
        return image
    cleaned = image.copy()
    cleaned.paste(255, mask=lines)
    return cleaned


def _rotate(image: Image.Image, angle: float) -> Image.Image:
    if not angle:
        return image
    return image.rotate(-angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)


def _otsu(histogram: list[int]) -> int:
    total = sum(histogram)
    sum_all = sum(i * h for i, h in enumerate(histogram))
    weight_b = sum_b = 0.0
    best, threshold = -1.0, 128
    for i, h in enumerate(histogram):
        weight_b += h
        if not weight_b:
            continue
        weight_f = total - weight_b
        if not weight_f:
            break
        sum_b += i * h
        mean_b, mean_f = sum_b / weight_b, (sum_all - sum_b) / weight_f
        between = weight_b * weight_f * (mean_b - mean_f) ** 2
        if between > best:
            best, threshold = between, i
    return threshold


def _tesseract(args: list[str], deadline: _PageDeadline) -> str:
    try:
        done = subprocess.run(["tesseract", *args], capture_output=True, timeout=deadline.remaining(),
                              env={**os.environ, "OMP_THREAD_LIMIT": "1"})
    except FileNotFoundError as exc:
        raise ExtractionError(Messages.OCR_UNAVAILABLE) from exc
    except subprocess.TimeoutExpired as exc:
        if deadline.extra and deadline.deadline.end is not None and time.monotonic() < deadline.deadline.end:
            raise _PageBudgetSpent from exc
        if deadline.extra and deadline.deadline.end is None:
            raise _PageBudgetSpent from exc
        raise ExtractionError(Messages.TIMEOUT) from exc
    if done.returncode != 0:
        stderr = done.stderr.decode(errors="replace")
        if "Too few characters" in stderr:  # OSD on a page with little text
            return ""
        raise ExtractionError(Messages.OCR_FAILED)
    return done.stdout.decode("utf-8", errors="replace")


def _save(image: Image.Image, tmp: str, dpi: int | None) -> str:
    path = os.path.join(tmp, "page.png")
    image.save(path, "PNG", compress_level=1, **({"dpi": (dpi, dpi)} if dpi else {}))
    return path


def detect_rotation(image: Image.Image, deadline: _PageDeadline, tmp: str, dpi: int | None) -> int:
    """Degrees (0, 90, 180, 270) the page must turn clockwise to be upright; 0 when OSD is unsure."""
    path = _save(image, tmp, dpi)
    try:
        out = _tesseract([path, "stdout", "--psm", "0", "-l", "osd"], deadline)
    except ExtractionError as exc:
        if exc.message == Messages.TIMEOUT:
            raise
        return 0
    rotate = re.search(r"Rotate:\s*(\d+)", out)
    confidence = re.search(r"Orientation confidence:\s*([\d.]+)", out)
    if not rotate or not confidence or float(confidence.group(1)) < MIN_ROTATION_CONFIDENCE:
        return 0
    return int(rotate.group(1)) % 360


def _recognize(image: Image.Image, psm: int, deadline: _PageDeadline, tmp: str, pdf: bool,
               dpi: int | None) -> PageReading:
    path = _save(image, tmp, dpi)
    base = os.path.join(tmp, f"out-{psm}")
    text_only = ["-c", "textonly_pdf=1", "tsv", "pdf"] if pdf else ["tsv"]
    _tesseract([path, base, "-l", OCR_LANG, "--psm", str(psm), *text_only], deadline)
    with open(base + ".tsv", encoding="utf-8", errors="replace") as handle:
        words = _words(handle.read())
    reading = _reading(words, psm)
    if pdf and os.path.exists(base + ".pdf"):
        with open(base + ".pdf", "rb") as handle:
            reading.pdf = handle.read()
    return reading


def _words(tsv: str) -> list[Word]:
    words = []
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        if row.get("level") != "5" or not text:
            continue
        try:
            confidence = float(row.get("conf") or -1)
            key = (int(row["block_num"]), int(row["par_num"]), int(row["line_num"]), 0)
        except (KeyError, ValueError):
            continue
        words.append(Word(text, confidence, key))
    return words


_LETTERS = re.compile(r"[^\W\d_]{2,}")


def _reading(words: list[Word], psm: int) -> PageReading:
    """Join words into lines; the confidence counts only words with two letters or more (not rules, specks)."""
    lines: list[str] = []
    current: tuple[int, int, int, int] | None = None
    paragraph: tuple[int, int] | None = None
    for word in words:
        if word.line != current:
            if paragraph is not None and word.line[:2] != paragraph:
                lines.append("")
            lines.append(word.text)
            current, paragraph = word.line, word.line[:2]
        else:
            lines[-1] += " " + word.text
    real = [w.confidence for w in words if w.confidence >= 0 and _LETTERS.search(w.text)]
    return PageReading(text="\n".join(lines), confidence=sum(real) / len(real) if real else None,
                       words=len(real), psm=psm)


def tesseract_available() -> bool:
    try:
        return subprocess.run(["tesseract", "--version"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False
