"""Large JPEG previews for the evidence page: a PDF's first pages and a photo, drawn by pdfium and Pillow in a
child process with memory and CPU limits (they read untrusted bytes), never inside the web process.

``render_preview(src, out, page)`` -> True when ``out`` was written, False when the file has no such page or
cannot be drawn, None when the child ran out of time or was killed (worth trying again later).
``python -P -m indexer.extract.preview SRC OUT PAGE WIDTH MEMORY_MB CPU_SECONDS`` is the child's side.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

PREVIEW_WIDTH = 1400  # px: sharp on a desktop viewer, still light on a phone
PREVIEW_PAGES = 3  # a PDF's first pages shown on its page; the rest is in the download
PREVIEWABLE = ("application/pdf", "image/jpeg", "image/png", "image/tiff", "image/webp", "image/heic", "image/heif")
NO_SUCH_PAGE = 3
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


def render_preview(src: str | os.PathLike[str], out: str | os.PathLike[str], page: int, *,
                   width: int = PREVIEW_WIDTH, timeout: float = 30, memory_mb: int = 1024) -> bool | None:
    """Draw page ``page`` (1-based; photos have only page 1) of ``src`` into the JPEG ``out``, in a limited child."""
    command = [sys.executable, "-P", "-m", "indexer.extract.preview", os.fspath(src), os.fspath(out), str(page),
               str(width), str(memory_mb), str(max(1, math.ceil(timeout)))]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (_PACKAGE_ROOT, os.environ.get("PYTHONPATH"))
                                                      if p)}
    try:
        done = subprocess.run(command, env=env, timeout=timeout + 5, capture_output=True, start_new_session=True)
    except subprocess.TimeoutExpired:
        return None
    if done.returncode < 0:  # a signal: the CPU limit (SIGXCPU) on a busy machine, or the memory limit
        return None
    return done.returncode == 0 and Path(out).exists()


def draw(src: str, out: str, page: int, width: int) -> bool:
    """In this process: the child's work (also what a benchmark would time)."""
    from PIL import Image, ImageOps

    from .detect import PDF, detect_mime
    from .imaging import pillow_guard, upright

    mime = detect_mime(src)
    if mime == PDF:
        image = _pdf_page(src, page, width)
        if image is None:
            return False
    elif mime in PREVIEWABLE and page == 1:
        if mime in ("image/heic", "image/heif"):
            import pillow_heif

            pillow_heif.register_heif_opener()
        with pillow_guard(), Image.open(src) as opened:
            image = upright(opened)
            image.load()
            image = ImageOps.contain(image, (width, width * 2), Image.Resampling.LANCZOS) \
                if image.width > width or image.height > width * 2 else image.copy()
    else:
        return False
    if image.mode in ("RGBA", "LA", "P", "PA"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, "white")
        background.paste(image, mask=image.getchannel("A"))
        image = background
    elif image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    image.save(out, "JPEG", quality=82, optimize=True)
    return True


def _pdf_page(src: str, page: int, width: int):
    import pypdfium2 as pdfium

    from .parsers.pdf import MAX_RENDER_PIXELS

    document = pdfium.PdfDocument(src)
    try:
        if not 1 <= page <= len(document):
            return None
        pdf_page = document[page - 1]
        try:
            page_width, page_height = pdf_page.get_size()
            scale = width / max(page_width, 1)
            area = max(page_width * page_height * scale * scale, 1)
            if area > MAX_RENDER_PIXELS:
                scale *= math.sqrt(MAX_RENDER_PIXELS / area)
            return pdf_page.render(scale=scale).to_pil()
        finally:
            pdf_page.close()
    finally:
        document.close()


def _main(argv: list[str]) -> int:
    from .child import _apply_limits

    src, out, page, width, memory_mb, cpu_seconds = argv
    _apply_limits(int(memory_mb), int(cpu_seconds))
    try:
        return 0 if draw(src, out, int(page), int(width)) else NO_SUCH_PAGE
    except Exception as exc:  # a damaged or hostile file: no preview, the page still shows
        print(f"preview of {src} page {page} failed: {exc!r}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
