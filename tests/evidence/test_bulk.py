"""Bulk import names the commitment when the site has several (a manifest row's column wins over --commitment)."""
from __future__ import annotations

import csv

from evidence_repo.evidence.bulk import items_from_directory, items_from_manifest


def test_directory_items_carry_the_commitment(tmp_path):
    (tmp_path / "minuta.txt").write_text("Minuta", encoding="utf-8")
    [item] = items_from_directory(tmp_path, 3, "Minuta", commitment="becas-padron")
    assert (item.data.milestone, item.data.commitment) == (3, "becas-padron")
    [item] = items_from_directory(tmp_path, 3, "Minuta")
    assert item.data.commitment is None


def test_manifest_rows_may_name_their_commitment(tmp_path):
    manifest = tmp_path / "m.csv"
    with open(manifest, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["path", "milestone", "means", "commitment"])
        w.writerow(["a.txt", "3", "Minuta", "becas-padron"])
        w.writerow(["b.txt", "3", "Minuta", ""])
    items = items_from_manifest(manifest, "jalisco-apoyo-organizaciones-sociedad-civil")
    assert [i.data.commitment for i in items] == ["becas-padron", "jalisco-apoyo-organizaciones-sociedad-civil"]
    assert [i.data.commitment for i in items_from_manifest(manifest)] == ["becas-padron", None]
