"""Tables of the PostgreSQL backend, and a caller's document mapped onto rows.

Analysis happens in Python with :mod:`indexer.analysis` (fold, then stem),
exactly as for Whoosh, and the lexemes are written as a ``tsvector`` literal
with positions and weights. PostgreSQL's ``spanish`` configuration (even
with ``unaccent``) stems before it could fold and gives singular and plural
different stems (ciudad/ciudades, acta/actas), so it fails the shared
Spanish word pairs; storing the lexemes our analyzer made keeps the two
backends matching the same words, and the GIN index serves them unchanged.

Tables, all in one schema (``prefix`` in front of each name):

- ``docs``: one narrow row per document (id, visibility, date, keyword
  columns for filters and facets, the ``tsvector``); ``toast_tuple_target``
  keeps the ``tsvector`` out of line so scans for totals and facets stay
  small; ``head``, generated from it, holds only the lexemes of the title,
  description and what the document proves (weights A, B, C), kept in line:
  ranking large result sets picks its candidates there without reading
  every match's whole ``tsvector`` (see ``PostgresBackend._ranked``);
- ``stored``: what hits show (title, description, labels, the start of the
  body for snippets) and each document's vocabulary;
- ``vocab``: words per audience ("public" or "restricted") with the number
  of documents holding them, for prefixes and "¿Quisiste decir?" (pg_trgm),
  so a restricted document's words never reach the public;
- ``pairs``: the frequent terms whose adjacent pairs are lexemes too, chosen
  by the last rebuild (see :func:`pair_terms`);
- ``meta``: schema version and analyzer fingerprint.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from ..analysis import analyze, analyzer_fingerprint, vocabulary
from ..contract import FACETS, PUBLIC, PUBLIC_ONLY, Document
from ..documents import KEYWORD_FIELDS, normalize_document

SCHEMA_VERSION = 3  # 2: docs.head and its GIN index; 3: an index per facet
EXCERPT_CHARS = 20_000
PAIR_SAMPLE = 2_000  # documents a rebuild reads to choose the terms whose pairs it indexes
PAIR_SHARE = 0.02  # ... those in at least this share of them  # as Whoosh: snippets come from the start of the body
# Weight classes: A title, B description, C what the document proves (milestone,
# commitment, means, activity), D body. ts_rank's weights, in {D, C, B, A} order,
# follow the Whoosh backend's field boosts (4, 2, 1.5, 1).
FIELD_WEIGHTS = (
    ("title", "A"), ("description", "B"), ("milestone_text", "C"), ("commitment_title", "C"),
    ("means_text", "C"), ("activity_text", "C"), ("text", "D"),
)
RANK_WEIGHTS = "{0.25, 0.375, 0.5, 1.0}"
FIELD_GAP = 100  # positions between fields: no phrase spans two fields
MAX_POSITION = 16383  # PostgreSQL's limit; later words share the last position
MAX_POSITIONS = 256  # per lexeme, PostgreSQL's limit
MAX_LEXEME = 1000
AUDIENCES = (PUBLIC, "restricted")

DOC_COLUMNS = ("id", "seq", "visibility", "date", *KEYWORD_FIELDS, "tsv")  # written by us
GENERATED_COLUMNS = ("head",)  # computed by PostgreSQL from tsv
STORED_COLUMNS = (
    "id", "title", "description", "plan_title", "commitment_title", "excerpt", "words",
)


@dataclass(frozen=True)
class Names:
    """Quoted, qualified names of one index's tables."""

    schema: str
    prefix: str = ""

    def table(self, name: str) -> str:
        return f'"{self.schema}"."{self.prefix}{name}"'


def audience(visibility: str) -> str:
    """The vocabulary a document's words go to."""
    return PUBLIC if visibility == PUBLIC else "restricted"


def vocab_audiences(levels: frozenset[str]) -> list[str]:
    """Vocabularies of the documents ``levels`` may see."""
    out = []
    if PUBLIC in levels:
        out.append(PUBLIC)
    if levels - PUBLIC_ONLY:
        out.append("restricted")
    return out


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def pair(first: str, second: str) -> str:
    """The lexeme of two adjacent terms; a space, which no term holds, keeps
    it apart from every single word."""
    return f"{first} {second}"


def pair_terms(sample: Iterable[Document]) -> frozenset[str]:
    """The terms whose adjacent pairs a rebuild indexes: those in at least
    ``PAIR_SHARE`` of ``sample`` (the first documents it gets).

    A phrase of such words is matched by its pairs (see
    :func:`.query.to_tsquery`), which the GIN index answers without reading
    a ``tsvector``; checking positions instead reads every document holding
    all the words ("rendición de cuentas" at 100,000 documents: 23,000
    ``tsvector``s for 9,600 matches). Phrases with a rarer word have few such
    documents, so their pairs are not worth the index's size: pairs of every
    word doubled a rebuild's time."""
    counts: Counter[str] = Counter()
    n = 0
    for doc in sample:
        clean = normalize_document(doc)
        counts.update({t for name, _ in FIELD_WEIGHTS for t in analyze(str(clean.get(name) or ""))})
        n += 1
    least = max(1, math.ceil(PAIR_SHARE * n))
    return frozenset(t for t, c in counts.items() if c >= least and len(t) < MAX_LEXEME // 2)


def tsvector_literal(fields: dict[str, object], pairs: frozenset[str] = frozenset()) -> str:
    """The document's lexemes with positions and weight classes, written as a
    ``tsvector`` literal (PostgreSQL parses nothing: the lexemes are ours).
    Two adjacent terms of a field that are both in ``pairs`` also make a
    lexeme (:func:`pair`) at the first one's position, of weight D so that
    ``head`` leaves it out.

    Every rebuild runs this on every document, so the usual case (positions
    below PostgreSQL's limit) takes a short loop; past the limit all later
    words share the last position, once per lexeme."""
    positions: dict[str, list[str]] = {}
    at = 0
    for name, weight in FIELD_WEIGHTS:
        text = str(fields.get(name) or "")
        if not text:
            continue
        terms = analyze(text)
        if at + len(terms) < MAX_POSITION:
            previous = ""
            for pos, term in enumerate(terms, at + 1):
                found = positions.get(term)
                if found is None:
                    if len(term) <= MAX_LEXEME:
                        positions[term] = [f"{pos}{weight}"]
                elif len(found) < MAX_POSITIONS:
                    found.append(f"{pos}{weight}")
                if term in pairs:
                    if previous:
                        _add_pair(positions, pair(previous, term), pos - 1)
                    previous = term
                else:
                    previous = ""
        else:
            _clamped(positions, terms, at, weight, pairs)
        at += len(terms) + FIELD_GAP
    return " ".join(f"{_quote(t)}:{','.join(p)}" for t, p in positions.items())


def _add_pair(positions: dict[str, list[str]], lexeme: str, pos: int) -> None:
    found = positions.get(lexeme)
    if found is None:
        positions[lexeme] = [str(pos)]
    elif len(found) < MAX_POSITIONS and found[-1] != str(pos):
        found.append(str(pos))


def _clamped(
    positions: dict[str, list[str]], terms: list[str], at: int, weight: str, pairs: frozenset[str]
) -> None:
    """Positions of a field that reaches PostgreSQL's last position."""
    for i, (pos, term) in enumerate(enumerate(terms, at + 1)):
        if len(term) > MAX_LEXEME:
            continue
        where = str(min(pos, MAX_POSITION))
        found = positions.setdefault(term, [])
        if len(found) < MAX_POSITIONS and (not found or found[-1][:-1] != where):
            found.append(where + weight)
        if i and term in pairs and terms[i - 1] in pairs:
            _add_pair(positions, pair(terms[i - 1], term), min(pos - 1, MAX_POSITION))


def to_rows(
    doc: Document, pairs: frozenset[str] = frozenset()
) -> tuple[dict[str, object], dict[str, object]]:
    """Validate a caller's document: its ``docs`` row (without ``seq``) and
    its ``stored`` row; ``pairs``: see :func:`pair_terms`. Raises
    ``ValueError`` like every backend."""
    clean = normalize_document(doc)
    row: dict[str, object] = {name: clean[name] for name in ("id", "visibility", "date", *KEYWORD_FIELDS)}
    row["tsv"] = tsvector_literal(clean, pairs)
    text = str(clean["text"])
    stored = {
        "id": clean["id"],
        "title": clean["title"],
        "description": clean["description"],
        "plan_title": clean["plan_title"],
        "commitment_title": clean["commitment_title"] or None,
        "excerpt": text[:EXCERPT_CHARS],
        "words": vocabulary(*(str(clean[name]) for name, _ in FIELD_WEIGHTS)).split(),
    }
    return row, stored


def meta() -> dict[str, str]:
    return {"schema_version": str(SCHEMA_VERSION), "analyzer": analyzer_fingerprint()}


def create_tables(n: Names, suffix: str = "") -> list[str]:
    """DDL for the tables (``suffix`` "_new": the copies a rebuild fills)."""
    docs, stored, vocab = (n.table(t + suffix) for t in ("docs", "stored", "vocab"))
    keywords = ", ".join(f"{k} text" for k in KEYWORD_FIELDS)
    p = n.prefix
    return [
        f"""CREATE TABLE {docs} (
            id text NOT NULL, seq bigint NOT NULL, visibility text NOT NULL, date timestamp,
            {keywords}, tsv tsvector NOT NULL,
            head tsvector GENERATED ALWAYS AS (ts_filter(tsv, '{{a,b,c}}')) STORED,
            CONSTRAINT "{p}docs{suffix}_pkey" PRIMARY KEY (id)
        ) WITH (toast_tuple_target = 128)""",
        f"ALTER TABLE {docs} ALTER COLUMN head SET STORAGE MAIN",  # compressed, but in line
        f"""CREATE TABLE {stored} (
            id text NOT NULL, title text NOT NULL, description text NOT NULL, plan_title text,
            commitment_title text, excerpt text NOT NULL, words text[] NOT NULL,
            CONSTRAINT "{p}stored{suffix}_pkey" PRIMARY KEY (id)
        )""",
        f"""CREATE TABLE {vocab} (
            audience text NOT NULL, word text COLLATE "C" NOT NULL, ndocs integer NOT NULL,
            CONSTRAINT "{p}vocab{suffix}_pkey" PRIMARY KEY (audience, word)
        )""",
        f"""CREATE TABLE {n.table("pairs" + suffix)} (
            term text COLLATE "C" NOT NULL, CONSTRAINT "{p}pairs{suffix}_pkey" PRIMARY KEY (term)
        )""",
    ]


def create_indexes(n: Names, suffix: str = "") -> list[str]:
    """GIN for the lexemes and the trigrams of the vocabulary; date order for
    listings; one B-tree per facet, so that a filter combines with the words
    (a bitmap AND) instead of reading every match of a common word to keep a
    few ("informe" in milestone 3 at 100,000 documents: 35,000 read for 1,300)."""
    docs, vocab = n.table("docs" + suffix), n.table("vocab" + suffix)
    p = n.prefix
    return [
        f'CREATE INDEX "{p}docs{suffix}_tsv" ON {docs} USING gin (tsv)',
        f'CREATE INDEX "{p}docs{suffix}_head" ON {docs} USING gin (head)',
        f'CREATE INDEX "{p}docs{suffix}_date" ON {docs} (date DESC NULLS LAST, seq)',
        *(f'CREATE INDEX "{p}docs{suffix}_{f}" ON {docs} ({f})' for f in FACETS),
        f'CREATE INDEX "{p}vocab{suffix}_trgm" ON {vocab} USING gin (word gin_trgm_ops)',
    ]


INDEX_NAMES = (
    "docs_pkey", "stored_pkey", "vocab_pkey", "docs_tsv", "docs_head", "docs_date",
    *(f"docs_{f}" for f in FACETS), "vocab_trgm", "pairs_pkey",
)
TABLES = ("docs", "stored", "vocab", "pairs")
