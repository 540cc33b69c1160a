"""Slugs: the stable, human-readable names of plans and commitments in files and addresses.

A slug is lowercase ASCII letters and digits separated by single hyphens, at most 80 characters
(``plan-accion-local-jalisco-2019``). When a plan file gives none, one is derived from the title with
python-slugify (accents and typographic quotes transliterated, cut at a word boundary).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from slugify import slugify

MAX_LENGTH = 80
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def is_slug(text: str) -> bool:
    return len(text) <= MAX_LENGTH and SLUG_RE.match(text) is not None


def slug_for(title: str) -> str:
    """The slug a title gives: ``"Análisis del programa “Apoyo…”"`` → ``"analisis-del-programa-apoyo"``."""
    return slugify(title, max_length=MAX_LENGTH, word_boundary=True) or "sin-titulo"


def candidates(base: str) -> Iterator[str]:
    """``base``, ``base-2``, ``base-3``… each at most MAX_LENGTH characters."""
    yield base
    n = 2
    while True:
        suffix = f"-{n}"
        yield base[: MAX_LENGTH - len(suffix)].rstrip("-") + suffix
        n += 1


def unique_slug(base: str, taken: Callable[[str], bool]) -> str:
    """The first of ``candidates(base)`` that is not ``taken``."""
    return next(s for s in candidates(base) if not taken(s))
