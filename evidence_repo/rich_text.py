"""The plan's light markup, parsed once for every renderer (web pages, DOCX, PDF).

Lines that start with "- ", "• " or "* " are bullet lists; every other non-empty line is a paragraph.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

BULLET_RE = re.compile(r"^[-•*]\s+")


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class BulletList:
    items: tuple[str, ...]


Block = Paragraph | BulletList


def parse(text: str | None) -> list[Block]:
    """Paragraphs and bullet lists, in order; consecutive bullet lines form one list."""
    blocks: list[Block] = []
    bullets: list[str] = []
    for raw in (text or "").splitlines():
        line = raw.strip()
        if BULLET_RE.match(line):
            bullets.append(BULLET_RE.sub("", line).strip())
            continue
        if bullets:
            blocks.append(BulletList(tuple(bullets)))
            bullets = []
        if line:
            blocks.append(Paragraph(line))
    if bullets:
        blocks.append(BulletList(tuple(bullets)))
    return blocks


def first_line(text: str | None) -> str | None:
    """The first paragraph or bullet, without its marker: the short form of a text. None when empty."""
    for block in parse(text):
        return block.text if isinstance(block, Paragraph) else block.items[0]
    return None
