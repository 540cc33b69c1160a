"""The committed .mo files say exactly what their .po files say.

The compiled catalogues are committed (a clean checkout and `pip install .` need them, and neither runs
`make`), so a .po edited without recompiling would silently ship the old translations. This compiles each
.po in memory the way `pybabel compile` does and compares the parsed catalogues (not the bytes, which
carry the Babel version in their header).
"""
from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[1] / "evidence_repo" / "translations"
PO_FILES = sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))
FIX = "run `make translations` and commit the .mo"


def _key(value):
    """Plural messages carry their forms as a tuple from a .po and as a list from a .mo."""
    return tuple(value) if isinstance(value, (list, tuple)) else value


def _entries(catalog: Catalog) -> dict:
    """(context, msgid) → msgstr for every message, the header left out."""
    return {(m.context, _key(m.id)): _key(m.string) for m in catalog if m.id}


def _compiled_in_memory(po: Path) -> Catalog:
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=po.parents[1].name)
    buffer = BytesIO()
    write_mo(buffer, catalog)  # what `pybabel compile` writes: fuzzy entries left out
    buffer.seek(0)
    return read_mo(buffer)


def test_there_is_a_catalogue_to_check():
    assert PO_FILES, f"no messages.po under {TRANSLATIONS}"


@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: p.parents[1].name)
def test_committed_mo_matches_its_po(po: Path):
    mo = po.with_suffix(".mo")
    assert mo.is_file(), f"{mo} is missing: {FIX}"
    with mo.open("rb") as fh:
        committed = read_mo(fh)
    expected = _compiled_in_memory(po)

    want, have = _entries(expected), _entries(committed)
    missing = sorted(str(k[1]) for k in want.keys() - have.keys())
    extra = sorted(str(k[1]) for k in have.keys() - want.keys())
    changed = sorted(str(k[1]) for k in want.keys() & have.keys() if want[k] != have[k])
    assert not (missing or extra or changed), (
        f"{mo.relative_to(TRANSLATIONS.parents[1])} is out of step with its .po: {FIX}.\n"
        f"  not in the .mo: {missing[:5]}\n  only in the .mo: {extra[:5]}\n  translated differently: {changed[:5]}"
    )
    assert committed.plural_forms == expected.plural_forms, f"Plural-Forms differ: {FIX}"
