"""The Whoosh schema, and a caller's document mapped onto it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from whoosh import columns
from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.system import pack_uint

from ..analysis import SpanishAnalyzer, analyzer_fingerprint, vocabulary
from ..contract import PUBLIC, PUBLIC_ONLY, Document
from ..documents import KEYWORD_FIELDS, LABEL_FIELDS, TEXT_FIELDS, normalize_document

# 2: spelling vocabularies split by audience into disjoint fields (was one
# field for everyone plus a copy for the public: twice the postings).
# 3: plan and commitment (slugs, facets and filters; titles stored, the
# commitment's searched).
# 4: a rebuild writes the spelling vocabularies as a few vocabulary documents
# ({word: documents}) instead of one posting per word per document.
SCHEMA_VERSION = 4
# Written beside the index: an index of an older schema version is out of
# date and reset on open (writer.IndexStore); one of a newer schema or another
# analyzer is treated as corrupt (rebuilt).
META_FILE = "evidence_index.json"
# Only the start of the body is stored: snippets come from it, the whole body
# is still indexed. Bounds index size for scanned books and huge spreadsheets.
EXCERPT_CHARS = 20_000
# Searchable fields and their weights: a match in the title or description
# says more about a document than one deep in its body.
FIELD_BOOSTS = {
    "title": 4.0,
    "description": 2.0,
    "milestone_text": 1.5,
    "commitment_title": 1.5,
    "means_text": 1.5,
    "activity_text": 1.2,
    "text": 1.0,
}
VOCAB_PUBLIC = "vocab_public"
VOCAB_RESTRICTED = "vocab_restricted"
VOCAB_FIELDS = (VOCAB_PUBLIC, VOCAB_RESTRICTED)


class Vocabulary(KEYWORD):
    """A spelling vocabulary field. Its value is either one document's words,
    already folded and space-separated by :func:`vocabulary` (split, no token
    pipeline), or ``{word: documents containing it}`` for a vocabulary
    document that stands for many (see ``IndexStore.rebuild``). A word's
    frequency is how many documents hold it either way, so
    ``reader.frequency`` ranks spelling candidates alike in both."""

    def index(self, value: str | Mapping[str, int], **kwargs: object) -> Iterator[tuple[bytes, int, float, bytes]]:
        counts = dict.fromkeys(value.split(), 1) if isinstance(value, str) else value
        for word, n in counts.items():
            yield word.encode("utf-8"), n, float(n), pack_uint(n)


def build_schema() -> Schema:
    text = SpanishAnalyzer()
    # Scorable only because Whoosh's writer, for a field without lengths,
    # stats the disk once per posting looking for them.
    def words() -> Vocabulary:
        return Vocabulary(scorable=True)

    return Schema(
        id=ID(unique=True, stored=True, sortable=True),
        title=TEXT(analyzer=text, stored=True),
        description=TEXT(analyzer=text, stored=True),
        text=TEXT(analyzer=text),
        excerpt=STORED(),
        plan=ID(stored=True, sortable=True),
        plan_title=STORED(),
        commitment=ID(stored=True, sortable=True),
        commitment_title=TEXT(analyzer=text, stored=True),
        milestone=ID(stored=True, sortable=True),
        milestone_text=TEXT(analyzer=text),
        activity=ID(stored=True),
        activity_text=TEXT(analyzer=text),
        means=ID(stored=True, sortable=True),
        means_text=TEXT(analyzer=text),
        # Default 0 sorts undated documents last when listing newest first.
        date=DATETIME(stored=True, sortable=columns.NumericColumn("Q", default=0)),
        year=ID(stored=True, sortable=True),
        file_type=ID(stored=True, sortable=True),
        visibility=ID(stored=True),
        # Unstemmed words for suggestions and prefix expansion, kept apart per
        # audience so a restricted document's words never reach the public;
        # staff look in both.
        vocab_public=words(),
        vocab_restricted=words(),
    )


def meta() -> dict[str, object]:
    return {"schema_version": SCHEMA_VERSION, "analyzer": analyzer_fingerprint()}


def vocab_field(visibility: object) -> str:
    """The spelling vocabulary a document's words go to."""
    return VOCAB_PUBLIC if visibility == PUBLIC else VOCAB_RESTRICTED


def to_fields(doc: Document, *, words: bool = True) -> dict[str, object]:
    """Validate a caller's document and map it onto schema fields (with its
    spelling words unless ``words`` is False: a rebuild gathers them while
    indexing, see ``writer._Part``)."""
    clean = normalize_document(doc)
    text = str(clean["text"])
    fields: dict[str, object] = {name: clean[name] for name in TEXT_FIELDS}
    fields["excerpt"] = text[:EXCERPT_CHARS]
    # Keywords and dates are left out when empty rather than indexed as "".
    for name in ("id", "date", "visibility", *KEYWORD_FIELDS, *LABEL_FIELDS):
        if clean[name] is not None:
            fields[name] = clean[name]
    if words:
        fields[vocab_field(clean["visibility"])] = vocabulary(*(str(clean[name]) for name in TEXT_FIELDS))
    return fields


def vocab_fields(levels: frozenset[str]) -> tuple[str, ...]:
    """Spelling vocabularies of the documents ``levels`` may see."""
    fields = []
    if PUBLIC in levels:
        fields.append(VOCAB_PUBLIC)
    if levels - PUBLIC_ONLY:
        fields.append(VOCAB_RESTRICTED)
    return tuple(fields)
