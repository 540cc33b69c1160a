"""OCR on scans as people really make them: word recall per kind of scan and seconds per page.

Generates synthetic scans whose text is known (tests/scans.py), extracts each with the real extractor in this
process (``extract_in_process``: the same parsers and Tesseract as the pool, without the child's isolation) and
prints, per kind, the share of the known words found and the extraction seconds per page.

    .venv/bin/python bench/ocr.py [--samples 3] [--kinds table,sideways] [--out bench/out/ocr.json]
        [--before DIR]   # also run DIR's indexer/ (e.g. `git archive <commit> indexer | tar -x -C DIR`) on each
                         # sample, right before this one, so both figures share the machine's load

Target (issue 10): recall >= 0.95 on every kind; seconds per page no worse than 1.5x the figures measured
before orientation detection, deskew and page-segmentation choice were added.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _common import ROOT  # noqa: I001

from indexer.extract import extract_in_process
from tests import scans

Sample = tuple[list, str, str]  # (pages, known text, format: "jpeg" | "png" | "pdf")


def _table(rng: random.Random) -> Sample:
    page, text = scans.attendance_table(rng)
    return [scans.jpeg(scans.noise(scans.skew(page, 1.8), rng), 45)], text, "jpeg"


def _table_pdf(rng: random.Random) -> Sample:
    pages, texts = [], []
    for _ in range(2):
        page, text = scans.attendance_table(rng)
        pages.append(scans.noise(scans.skew(page, rng.choice((-1.8, 1.8))), rng))
        texts.append(text)
    return pages, "\n".join(texts), "pdf"


def _photo(rng: random.Random) -> Sample:
    page, text = scans.attendance_table(rng, rows=16)
    return [scans.phone_photo(page, rng)], text, "jpeg"


def _minuta(rng: random.Random) -> Sample:
    page, text = scans.minuta(rng)
    return [scans.jpeg(scans.noise(page, rng, 0.001), 60)], text, "jpeg"


def _blurred(rng: random.Random) -> Sample:
    page, text = scans.minuta(rng, size=28, columns=1)
    return [scans.jpeg(scans.blur(scans.noise(scans.skew(page, -1.2), rng, 0.002), 1.3), 35)], text, "jpeg"


def _faded(rng: random.Random) -> Sample:
    page, text = scans.minuta(rng, size=26)
    return [scans.fade(scans.noise(page, rng, 0.001))], text, "png"


def _sideways(rng: random.Random) -> Sample:
    page, text = scans.minuta(rng, size=26, columns=1)
    return [scans.sideways(scans.noise(page, rng, 0.001), clockwise=rng.random() < 0.5)], text, "png"


def _sideways_list(rng: random.Random) -> Sample:
    page, text = scans.attendance_table(rng)
    return [scans.jpeg(scans.sideways(scans.skew(page, 1.0)), 60)], text, "jpeg"


def _multipage_pdf(rng: random.Random) -> Sample:
    pages, texts = [], []
    for _ in range(3):
        page, text = scans.minuta(rng, size=26)
        pages.append(scans.noise(page, rng, 0.001))
        texts.append(text)
    return pages, "\n".join(texts), "pdf"


KINDS: dict[str, Callable[[random.Random], Sample]] = {
    "table (ruled list, 1.8° skew, noise, JPEG)": _table,
    "table_pdf (2-page scanned PDF of lists)": _table_pdf,
    "photo (phone photo of a list: perspective, shade)": _photo,
    "minuta (dense two columns)": _minuta,
    "blurred (blur, noise, skew, JPEG q35)": _blurred,
    "faded (washed-out photocopy)": _faded,
    "sideways (page fed at 90°)": _sideways,
    "sideways_list (ruled list fed at 90°)": _sideways_list,
    "multipage_pdf (3-page scanned minuta)": _multipage_pdf,
}


def write(sample: Sample, folder: Path, name: str) -> Path:
    pages, _, fmt = sample
    if fmt == "pdf":
        return scans.save_pdf(pages, folder / f"{name}.pdf")
    path = folder / f"{name}.{'jpg' if fmt == 'jpeg' else 'png'}"
    pages[0].save(path, "JPEG" if fmt == "jpeg" else "PNG", **({"quality": 70} if fmt == "jpeg" else {}))
    return path


def extract_with(source: str, path: Path) -> tuple[str, float]:
    """Extract ``path`` with the indexer/ found in ``source`` (another interpreter): (text, seconds)."""
    code = ("import json, sys, time; from indexer.extract import extract_in_process; t = time.perf_counter(); "
            "r = extract_in_process(sys.argv[1]); print(json.dumps([r.text, time.perf_counter() - t]))")
    out = subprocess.run([sys.executable, "-P", "-c", code, str(path)], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": source})
    text, seconds = json.loads(out.stdout)
    return text, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=3)
    parser.add_argument("--kinds", default="", help="comma-separated kind names (first word), default all")
    parser.add_argument("--before", help="a folder holding an older indexer/ to compare with, sample by sample")
    parser.add_argument("-v", "--verbose", action="store_true", help="print how each page was read")
    parser.add_argument("--out", default=str(ROOT / "bench" / "out" / "ocr.json"))
    args = parser.parse_args()
    wanted = {k for k in args.kinds.split(",") if k}
    results = {}
    before_columns = f" {'before':>7} {'s/page':>7}" if args.before else ""
    print(f"{'kind':52} {'recall':>7} {'min':>6} {'s/page':>7} {'pages':>5}{before_columns}")
    with tempfile.TemporaryDirectory() as tmp:
        for label, make in KINDS.items():
            key = label.split()[0]
            if wanted and key not in wanted:
                continue
            recalls, seconds, pages = [], 0.0, 0
            old_recalls, old_seconds = [], 0.0
            for i in range(args.samples):
                rng = random.Random(f"{key}-{i}")
                sample = make(rng)
                path = write(sample, Path(tmp), f"{key}-{i}")
                if args.before:
                    text, spent = extract_with(args.before, path)
                    old_recalls.append(scans.recall(scans.words_of(sample[1]), text))
                    old_seconds += spent
                start = time.perf_counter()
                result = extract_in_process(path)
                seconds += time.perf_counter() - start
                pages += result.pages or 1
                recalls.append(scans.recall(scans.words_of(sample[1]), result.text))
                if args.verbose:
                    print(f"  {path.name}: recall {recalls[-1]:.2f} {result.error or ''}", result.ocr_pages)
            mean = statistics.fmean(recalls)
            results[key] = {"recall": round(mean, 3), "min_recall": round(min(recalls), 3),
                            "seconds_per_page": round(seconds / pages, 2), "pages": pages, "samples": args.samples}
            line = f"{label:52} {mean:7.2f} {min(recalls):6.2f} {seconds / pages:7.2f} {pages:5}"
            if args.before:
                results[key]["before"] = {"recall": round(statistics.fmean(old_recalls), 3),
                                          "seconds_per_page": round(old_seconds / pages, 2)}
                line += f" {statistics.fmean(old_recalls):7.2f} {old_seconds / pages:7.2f}"
            print(line, flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(Path(args.out).read_text()) if Path(args.out).exists() else {}
    Path(args.out).write_text(json.dumps({**previous, **results}, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
