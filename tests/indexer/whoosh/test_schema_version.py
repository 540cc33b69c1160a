"""An index written by an older schema version is out of date, not corrupt:
opening it resets it (``created``), with or without ``reset_if_corrupt``, and
the caller rebuilds it from the database."""

from __future__ import annotations

import json
import logging

import pytest
from whoosh.fields import KEYWORD
from whoosh.filedb.filestore import FileStorage

from indexer import IndexCorrupt
from indexer.analysis import analyzer_fingerprint
from indexer.whoosh import WhooshBackend
from indexer.whoosh.schema import META_FILE, SCHEMA_VERSION, VOCAB_FIELDS, Vocabulary, build_schema
from tests.indexer.corpus import PROGRAMMES, PUBLIC

# What schema version 3 added; an index of version 2 has every other field.
ADDED_IN_3 = ("plan", "plan_title", "commitment", "commitment_title")


def _older_index(path, version):
    """An index as the code of an older schema version left it: its fields,
    its meta file, one document. Version 3's vocabulary fields were plain
    keywords, which cannot take the vocabulary documents a rebuild writes."""
    schema = build_schema()
    if version == 2:
        for name in ADDED_IN_3:
            schema.remove(name)
    for name in VOCAB_FIELDS:
        schema.remove(name)
        schema.add(name, KEYWORD(scorable=True))
    path.mkdir(parents=True)
    ix = FileStorage(str(path), supports_mmap=False).create_index(schema)
    with ix.writer() as writer:
        writer.add_document(id="old", title="minuta antigua", text="minuta", visibility="public",
                            vocab_public="minuta antigua")
    (path / META_FILE).write_text(json.dumps({"schema_version": version, "analyzer": analyzer_fingerprint()}))


def test_the_schema_version_names_vocabulary_documents():
    assert SCHEMA_VERSION == 4
    assert set(ADDED_IN_3) <= set(build_schema().names())
    assert all(isinstance(build_schema()[name], Vocabulary) for name in VOCAB_FIELDS)


@pytest.mark.parametrize("version", [2, 3])
@pytest.mark.parametrize("reset_if_corrupt", [False, True])
def test_an_older_schema_version_is_reset_on_open(tmp_path, caplog, reset_if_corrupt, version):
    path = tmp_path / "index"
    _older_index(path, version)
    caplog.set_level(logging.WARNING)
    index = WhooshBackend(path, reset_if_corrupt=reset_if_corrupt)
    assert index.created and index.count() == 0
    assert index.search("minuta", visibility=PUBLIC).total == 0
    assert any(f"schema version {version}" in r.getMessage() for r in caplog.records)
    assert json.loads((path / META_FILE).read_text())["schema_version"] == SCHEMA_VERSION

    assert index.rebuild(PROGRAMMES) == len(PROGRAMMES)
    again = WhooshBackend(path)
    assert not again.created and again.count() == len(PROGRAMMES)
    results = again.search("", visibility=PUBLIC, filters={"commitment": "apoyo-osc", "milestone": "3"})
    assert [(h.id, h.plan, h.commitment) for h in results.hits] == [("p04", "plan-jalisco-2019", "apoyo-osc")]
    assert not list(path.glob("*.seg"))[1:], "the old segments are cleaned up by the rebuild"


def test_a_newer_schema_version_is_not_reset_without_asking(tmp_path):
    path = tmp_path / "index"
    WhooshBackend(path).add(PROGRAMMES)
    (path / META_FILE).write_text(json.dumps({"schema_version": SCHEMA_VERSION + 1}))
    with pytest.raises(IndexCorrupt):
        WhooshBackend(path)
    assert WhooshBackend(path, reset_if_corrupt=True).created
