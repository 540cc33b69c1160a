"""The PostgreSQL backend of the search contract (:class:`indexer.SearchBackend`).

For the scale-out mode: any number of web and worker processes on any number
of machines share one index, because the index is tables in the database.
Every read is SQL whose WHERE clause holds the caller's visibility, so
totals, facets, snippets, prefix expansions, suggestions and similar
documents only ever come from documents the caller may see. Writers
serialize on one advisory lock per index (vocabulary counts stay exact);
readers never wait for them (MVCC).

Typical start-up (no answers are kept in memory: every process sees every commit)::

    index = PostgresBackend("postgresql+psycopg://…", schema="search", reset_if_corrupt=True)
    if index.created:                      # new or reset: fill from the database
        index.rebuild(documents_from_db(), progress=print)
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager

import psycopg
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from ..analysis import STOP_WORDS, analyze, fold, match_case, stem, vocabulary
from ..contract import (
    FACETS,
    MAX_PER_PAGE,
    MAX_SIMILAR,
    PUBLIC,
    PUBLIC_ONLY,
    Document,
    Hit,
    IndexCorrupt,
    SearchFailed,
    SearchResults,
    Visibility,
)
from ..documents import Filters, check_sort, normalize_filters, visibility_levels
from . import query as pq
from .parallel import BUSY, LISTING, LOOKUPS, SideReader
from .rows import _HIT_COLUMNS, _clean, _distance, _hit, _read, facet_counts, highlight
from .schema import RANK_WEIGHTS, TABLES, Names, vocab_audiences
from .store import CORRUPTION, Store

__all__ = ["PostgresBackend"]

log = logging.getLogger(__name__)

MAX_PREFIX_EXPANSIONS = 64  # as Whoosh
SIMILAR_TERMS = 12
TRIGRAM_THRESHOLD = 0.2  # low enough for one edit in a four-letter word
RANK_ALL = 2_000  # exact ts_rank of every match up to here (~20 ms of detoasting)
RANK_CANDIDATES = 200  # above it: exact rank of 200 by head + 200 newest (see _ranked)
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,40}$")
_WORD = re.compile(r"\w+", re.UNICODE)


class PostgresBackend:
    """One index in a PostgreSQL database: open-or-create, write, search."""

    def __init__(
        self,
        database: str | Engine,
        *,
        schema: str = "search",
        prefix: str = "",
        reset_if_corrupt: bool = False,
        lock_timeout: float = 60.0,
        batch_size: int = 500,
    ):
        """Open the index in ``schema`` (tables named ``prefix`` + docs,
        stored, vocab, pairs, meta), creating it if there is none.
        ``database``: a SQLAlchemy URL (``postgresql+psycopg://…``) or engine
        (shared: not disposed by :meth:`close`; searches also open up to two
        connections of their own, see :mod:`.parallel`). The role needs to
        create the schema and, once per database, the ``pg_trgm`` extension.
        An older schema version is reset; a damaged index, or one written
        with another analyzer, raises :class:`IndexCorrupt` unless
        ``reset_if_corrupt``."""
        for name in (schema, prefix or "x"):
            if not _IDENTIFIER.match(name):
                raise ValueError(f"schema and prefix must be lower-case identifiers, not {name!r}")
        self._own_engine = isinstance(database, str)
        self.engine: Engine = create_engine(database, pool_pre_ping=True) if isinstance(database, str) else database
        self.names = Names(schema, prefix)
        self.rank_all, self.candidates = RANK_ALL, RANK_CANDIDATES  # see _ranked
        self._store = Store(
            self.engine, self.names, reset_if_corrupt=reset_if_corrupt, lock_timeout=lock_timeout,
            batch_size=batch_size,
        )
        self._side = SideReader(self.engine)

    @property
    def created(self) -> bool:
        return self._store.created

    def _t(self, table: str) -> str:
        return self.names.table(table)

    # --- writing (see :mod:`.store`) ------------------------------------------------

    def add(self, docs: Iterable[Document]) -> int:
        """Add or replace documents by ``id``, one transaction per batch; a
        bad document raises ``ValueError`` (earlier batches stay written)."""
        return self._store.add(docs)

    def delete(self, ids: Iterable[str | int]) -> int:
        """Delete documents by id; returns how many were found."""
        return self._store.delete(ids)

    def rebuild(
        self, docs: Iterable[Document], progress: Callable[[int], None] | None = None, *, procs: int = 1
    ) -> int:
        """Replace everything with ``docs`` (repeated ids: the first is kept);
        readers see the old contents until the new ones are complete.
        ``procs`` > 1 analyses in that many child processes."""
        return self._store.rebuild(docs, progress, procs)

    # --- reading --------------------------------------------------------------

    @contextmanager
    def _reading(self, action: str, detail: object, shared: bool = False) -> Iterator[psycopg.Cursor]:
        """A read-only transaction; a damaged index raises :class:`IndexCorrupt`,
        any other failure is logged and raised as :class:`SearchFailed`.
        ``shared``: one snapshot a side connection can share (see
        :mod:`.parallel`), taken once this holds the tables, so a rebuild
        swapping them in between cannot make them look empty."""
        try:
            with self._store.connection() as conn, conn.cursor() as cur:
                if shared:
                    tables = ", ".join(self._t(t) for t in TABLES)
                    cur.execute(f"SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; LOCK {tables} IN ACCESS SHARE MODE")
                # LOOKUPS: a sequential scan (common words) or a walk of the date or a facet's B-tree
                # (rare ones) detoasts each row's tsvector to test it (a rare word by date: 1,700 rows,
                # 33 ms warm, 370 ms cold); the GIN bitmap needs none for plain terms. No JIT either.
                cur.execute(LOOKUPS)
                yield cur
        except CORRUPTION as exc:
            raise IndexCorrupt(f"search index {self.names.schema} failed: {exc!r}") from exc
        except (IndexCorrupt, SearchFailed):
            raise
        except Exception as exc:
            log.exception("search index %s failed on %s %r", self.names.schema, action, detail)
            raise SearchFailed(f"the search engine failed on {action} {detail!r}: {exc!r}") from exc

    def warm(self) -> int:
        """Have the server read ahead what searches read (:meth:`.store.Store.warm`)."""
        return self._store.warm()

    def close(self) -> None:
        """Release the connections (only of an engine this backend created)."""
        self._side.close()
        if self._own_engine:
            self.engine.dispose()

    def count(self) -> int:
        with self._reading("count", None) as cur:
            return int(_read(cur, f"SELECT count(*) FROM {self._t('docs')}")[0][0])

    def doc_ids(self) -> set[str]:
        with self._reading("doc_ids", None) as cur:
            return {r[0] for r in _read(cur, f"SELECT id FROM {self._t('docs')}")}

    def doc_states(self) -> dict[str, dict[str, str]]:
        with self._reading("doc_states", None) as cur:
            rows = _read(cur, f"SELECT d.id, d.visibility, s.title, d.commitment FROM {self._t('docs')} d "
                              f"JOIN {self._t('stored')} s ON s.id = d.id")
        return {i: {"visibility": v or "", "title": t or "", "commitment": c or ""} for i, v, t, c in rows}

    def _where(self, levels: frozenset[str], wanted: Filters, tsquery: str | None) -> tuple[str, list]:
        """The WHERE clause every read shares: visibility first, always."""
        parts = ["d.visibility = ANY(%s)"]
        params: list[object] = [sorted(levels)]
        for name, values in wanted:
            assert name in FACETS  # normalize_filters allows nothing else
            parts.append(f"d.{name} = ANY(%s)")
            params.append(list(values))
        if tsquery is not None:
            parts.append("d.tsv @@ %s::tsquery")
            params.append(tsquery)
        return " AND ".join(parts), params

    def _prefix_stems(self, cur: psycopg.Cursor, levels: frozenset[str]) -> Callable[[str], list[str]]:
        audiences = vocab_audiences(levels)

        def stems(prefix: str) -> list[str]:
            if not audiences:
                return []
            like = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            rows = _read(
                cur,
                f"SELECT DISTINCT word FROM {self._t('vocab')} WHERE audience = ANY(%s) AND word LIKE %s "
                "ORDER BY word LIMIT %s",
                (audiences, like, MAX_PREFIX_EXPANSIONS),
            )
            return sorted({stem(r[0]) for r in rows})

        return stems

    def _tsquery(self, cur: psycopg.Cursor, text: str, levels: frozenset[str]) -> pq.Node | None:
        node = pq.parse(text) if text else None
        return pq.expand(node, self._prefix_stems(cur, levels))

    def search(
        self,
        query: str,
        *,
        visibility: Visibility,
        filters: Mapping[str, object] | None = None,
        page: int = 1,
        per_page: int = 20,
        sort: str = "relevance",
    ) -> SearchResults:
        """Search what ``visibility`` allows (see :class:`indexer.SearchBackend`)."""
        check_sort(sort)
        levels = visibility_levels(visibility)
        page = max(1, int(page))
        per_page = min(max(1, int(per_page)), MAX_PER_PAGE)
        wanted = normalize_filters(filters)
        if not levels:
            return SearchResults(0, page, per_page)
        text = _clean(query)
        with self._reading("search", text, shared=True) as cur:
            node = self._tsquery(cur, text, levels)
            if node is pq.NOTHING:
                return SearchResults(0, page, per_page)
            tsquery = None if node is None else pq.to_tsquery(node)  # for ranking
            match = None if node is None else self._match(cur, node)
            if tsquery is None:  # listing: every visible row counts, scan them; the date index orders them
                cur.execute(LISTING)
            where, params = self._where(levels, wanted, match)

            def count(c: psycopg.Cursor) -> tuple[int, dict[str, dict[str, int]]]:
                if tsquery is None:
                    c.execute(LISTING)
                return self._facets(c, where, params)

            # Total and facets on a side connection while this one ranks and fetches the page.
            side = self._side.submit(cur, count)
            offset = min((page - 1) * per_page, 2**62)  # past every match, and a bigint however large the page
            if tsquery is not None and sort == "relevance" and self._more_than(cur, where, params, self.rank_all):
                rows = self._ranked(cur, levels, wanted, (str(match), tsquery), offset, per_page)
            else:
                rank = "0.0"
                if tsquery is not None and sort == "relevance":
                    rank = f"ts_rank('{RANK_WEIGHTS}', d.tsv, %s::tsquery, 1)"
                rows = _read(
                    cur,
                    self._page_sql(where, rank, "LIMIT %s OFFSET %s"),
                    [*([tsquery] if rank != "0.0" else []), *params, per_page, offset],
                )
            terms = pq.positive_terms(node)
            hits = [_hit(r, terms) for r in rows]
            suggestion = None if node is None else self._suggest(cur, text, levels, wanted)
            counted = BUSY if side is None else side.result()
            total, facets = count(cur) if counted is BUSY else counted  # type: ignore[misc]
        return SearchResults(total, page, per_page, hits, facets, suggestion)

    def _more_than(self, cur: psycopg.Cursor, where: str, params: list, n: int) -> bool:
        """More than ``n`` matches? (reads at most ``n + 1``)"""
        sql = f"SELECT count(*) FROM (SELECT 1 FROM {self._t('docs')} d WHERE {where} LIMIT %s) m"
        return int(_read(cur, sql, [*params, n + 1])[0][0]) > n

    def _page_sql(self, where: str, rank: str, limit: str) -> str:
        """One page of hits with what they show: ordered by ``rank`` (a
        constant for date order), newest first, then insertion order."""
        order = "r DESC, date DESC NULLS LAST, seq"
        return (
            f"SELECT {_HIT_COLUMNS} FROM (SELECT d.id, d.seq, d.date, d.milestone, d.means, d.file_type, "
            f"d.plan, d.commitment, {rank} AS r FROM {self._t('docs')} d WHERE {where} "
            f"ORDER BY {order} {limit}) d JOIN {self._t('stored')} s USING (id) ORDER BY {order}"
        )

    def _ranked(
        self, cur: psycopg.Cursor, levels: frozenset[str], wanted: Filters, tsqueries: tuple[str, str],
        offset: int, per_page: int,
    ) -> list[tuple]:
        """One page of a large result set in relevance order, reading the whole
        ``tsvector`` of at most ``2 * candidates`` matches (``ts_rank`` must
        read it, out of line and compressed: for a word in most of 100,000
        documents, most of a second). Only candidates get the exact rank: the
        ``candidates`` best by rank over ``head`` (title, description, what
        the document proves: small, in line, own GIN index), which outrank
        body-only matches by their weights, and when fewer match there the
        ``candidates`` last indexed matches. The other matches follow them,
        newest first; the order depends on the query only, so paging neither
        repeats nor skips a hit. ``tsqueries``: for matching and for ranking."""
        match, tsquery = tsqueries
        where, params = self._where(levels, wanted, match)
        bare, bare_params = self._where(levels, wanted, None)
        docs, order = self._t("docs"), "date DESC NULLS LAST, seq"
        weights = f"'{RANK_WEIGHTS}'"
        head = (
            f"SELECT d.id FROM {docs} d WHERE {bare} AND d.head @@ %s::tsquery "
            f"ORDER BY ts_rank({weights}, d.head, %s::tsquery) DESC, {order} LIMIT %s"
        )
        head_params = [*bare_params, tsquery, tsquery, self.candidates]
        # Candidates are matched by primary key only ("tsv @@" in the select list, not the WHERE
        # clause, keeps the planner from reading every match's GIN entry to join them); head @@ q
        # implies tsv @@ q except under NOT, hence the check.
        rank = (
            f"SELECT d.id, d.tsv @@ %s::tsquery FROM {docs} d WHERE d.id = ANY(CANDIDATES) "
            f"ORDER BY ts_rank({weights}, d.tsv, %s::tsquery, 1) DESC, {order}"
        )
        rows = _read(cur, rank.replace("CANDIDATES", f"ARRAY({head})"), [match, *head_params, tsquery])
        if len(rows) < self.candidates:  # few title matches: add the last indexed matches
            # seq has no index: the GIN bitmap and a top-N sort, no tsvector read for plain terms
            # (ordering by date would walk the date index and read every tsvector it passes).
            newest = f"SELECT d.id FROM {docs} d WHERE {where} ORDER BY d.seq DESC LIMIT %s"
            rows = _read(
                cur, rank.replace("CANDIDATES", f"ARRAY(({head}) UNION ({newest}))"),
                [match, *head_params, *params, self.candidates, tsquery],
            )
        ranked = [r[0] for r in rows if r[1]]
        ids = ranked[offset : offset + per_page]
        if len(ids) < per_page:
            ids += [r[0] for r in _read(
                cur,
                f"SELECT d.id FROM {docs} d WHERE {where} AND NOT d.id = ANY(%s) ORDER BY {order} "
                "LIMIT %s OFFSET %s",
                [*params, ranked, per_page - len(ids), max(0, offset - len(ranked))],
            )]
        if not ids:
            return []
        found = {r[0]: r for r in _read(
            cur,
            f"SELECT {_HIT_COLUMNS} FROM {docs} d JOIN {self._t('stored')} s USING (id) WHERE d.id = ANY(%s)",
            [ids],
        )}
        return [found[i] for i in ids if i in found]

    def _match(self, cur: psycopg.Cursor, node: pq.Node) -> str:
        """The ``tsquery`` that finds the matches: phrases by the pairs of
        words the index holds (``ts_rank`` gets them as words: see
        :func:`.query.to_tsquery`)."""
        terms = pq.phrase_terms(node)
        return pq.to_tsquery(node, pairs=self._store.pair_terms(cur, terms) if terms else None)

    def _facets(self, cur: psycopg.Cursor, where: str, params: list) -> tuple[int, dict[str, dict[str, int]]]:
        """Total and facet counts of the whole filtered result set, in one pass.

        (Letting PostgreSQL split this pass among parallel workers was measured
        at 100k documents: no gain on two cores, phrases slower.)"""
        columns = ", ".join(f"d.{f}" for f in FACETS)
        sets = ", ".join(["()", *(f"(d.{f})" for f in FACETS)])
        rows = _read(
            cur,
            f"SELECT GROUPING({columns}), {columns}, count(*) FROM {self._t('docs')} d "
            f"WHERE {where} GROUP BY GROUPING SETS ({sets})",
            params,
        )
        return facet_counts(rows)

    # --- suggestions ----------------------------------------------------------

    def suggest(self, text: str, *, visibility: Visibility) -> str | None:
        """A corrected ``text`` built from words visible documents contain,
        when some of its words are unknown to ``visibility``; else None."""
        levels = visibility_levels(visibility)
        text = _clean(text)
        if not levels or not text:
            return None
        with self._reading("suggest", text) as cur:
            if pq.parse(text) is None:
                return None
            return self._suggest(cur, text, levels, ())

    def _visible(self, cur: psycopg.Cursor, levels: frozenset[str], wanted: Filters, node: pq.Node) -> bool:
        where, params = self._where(levels, wanted, self._match(cur, node))
        return bool(_read(cur, f"SELECT EXISTS (SELECT 1 FROM {self._t('docs')} d WHERE {where})", params)[0][0])

    def _known(self, cur: psycopg.Cursor, word: str, levels: frozenset[str], wanted: Filters) -> bool:
        """Found in a visible document, in any inflection ("participaciones")."""
        folded = fold(word)
        if folded in STOP_WORDS or len(folded) < 4 or not folded.isalpha():
            return True
        if not wanted and levels == PUBLIC_ONLY and _read(  # the public vocabulary is exactly the public's words
            cur, f"SELECT EXISTS (SELECT 1 FROM {self._t('vocab')} WHERE audience = %s AND word = %s)",
            (PUBLIC, folded),
        )[0][0]:
            return True
        return self._visible(cur, levels, wanted, pq.Node("term", stem(folded)))

    def _suggest(self, cur: psycopg.Cursor, text: str, levels: frozenset[str], wanted: Filters) -> str | None:
        """"¿Quisiste decir …?": replace words no visible document contains
        with a close word of the caller's vocabularies; only if the corrected
        query finds something visible."""
        out, last, changed = [], 0, False
        for m in _WORD.finditer(text):
            word = m.group()
            after = text[m.end() : m.end() + 1]
            if word in pq.OPERATORS or after == "*" or self._known(cur, word, levels, wanted):
                continue
            fix = self._closest(cur, fold(word), levels, wanted)
            if fix:
                out.append(text[last : m.start()])
                out.append(match_case(word, fix))
                last, changed = m.end(), True
        if not changed:
            return None
        corrected = "".join(out) + text[last:]
        node = self._tsquery(cur, corrected, levels)
        if node is None or node is pq.NOTHING:
            return None
        return corrected if self._visible(cur, levels, wanted, node) else None

    def _closest(self, cur: psycopg.Cursor, word: str, levels: frozenset[str], wanted: Filters) -> str | None:
        """Most frequent visible word within edit distance 1 (2 for long
        words) starting with the same letter: pg_trgm finds candidates."""
        audiences = vocab_audiences(levels)
        if not audiences:
            return None
        _read(cur, "SELECT set_config('pg_trgm.similarity_threshold', %s, true)", (str(TRIGRAM_THRESHOLD),))
        rows = _read(
            cur,
            f"SELECT word, sum(ndocs) FROM {self._t('vocab')} WHERE audience = ANY(%s) AND word %% %s "
            "AND left(word, 1) = %s GROUP BY word",
            (audiences, word, word[:1]),
        )
        for maxdist in (1, 2) if len(word) >= 6 else (1,):
            candidates = sorted(
                ((w, n) for w, n in rows if w != word and _distance(w, word, maxdist) <= maxdist),
                key=lambda wn: (-wn[1], wn[0]),
            )
            for candidate, _ in candidates[:5]:
                if self._known(cur, candidate, levels, wanted):
                    return str(candidate)
        return None

    # --- similar documents ----------------------------------------------------

    def similar(self, doc_id: str, *, visibility: Visibility, limit: int = 5) -> list[Hit]:
        """Documents similar to ``doc_id`` ("más como esto"), best first.

        Similar means sharing the source's key terms (frequent in its title,
        description and start of body, rare in the index: tf·idf over the
        vocabulary's document counts), searched in titles and bodies. Source
        and results must be visible to ``visibility``; never the source.
        """
        levels = visibility_levels(visibility)
        limit = min(max(0, int(limit)), MAX_SIMILAR)
        if not levels or not limit or doc_id in (None, ""):
            return []
        with self._reading("similar", doc_id) as cur:
            where, params = self._where(levels, (), None)
            source = _read(
                cur,
                f"SELECT s.title, s.description, s.excerpt FROM {self._t('docs')} d "
                f"JOIN {self._t('stored')} s USING (id) WHERE d.id = %s AND {where}",
                [str(doc_id), *params],
            )
            if not source:
                return []
            text = "\n".join(part or "" for part in source[0])
            terms = self._key_terms(cur, text)
            if not terms:
                return []
            node = pq.Node("or", children=tuple(pq.Node("term", t) for t in terms))
            tsquery = pq.to_tsquery(node, weights="AD")
            where, params = self._where(levels, (), tsquery)
            rank = f"ts_rank('{RANK_WEIGHTS}', d.tsv, %s::tsquery, 1)"
            rows = _read(
                cur,
                self._page_sql(f"{where} AND d.id <> %s", rank, "LIMIT %s"),
                [tsquery, *params, str(doc_id), limit],
            )
        return [_hit(r, frozenset()) for r in rows]

    def _key_terms(self, cur: psycopg.Cursor, text: str) -> list[str]:
        """The source's most telling stems: frequent in it, rare in the index."""
        tf = Counter(t for t in analyze(text) if t.isalpha() and len(t) > 2)
        words = vocabulary(text).split()
        if not tf or not words:
            return []
        total = int(_read(cur, f"SELECT count(*) FROM {self._t('docs')}")[0][0])
        df: dict[str, int] = {}
        for word, n in _read(
            cur,
            f"SELECT word, sum(ndocs) FROM {self._t('vocab')} WHERE word = ANY(%s) GROUP BY word",
            (words,),
        ):
            term = stem(word)
            df[term] = max(df.get(term, 0), int(n))
        scored = {t: c * math.log((total + 1) / (df.get(t, 0) + 1)) for t, c in tf.items() if t in df}
        best = sorted(scored, key=lambda t: (-scored[t], t))[:SIMILAR_TERMS]
        return [t for t in best if scored[t] > 0]

    # --- highlighting ---------------------------------------------------------

    def highlight(self, text: str, query: str, *, max_chars: int = 200_000) -> str:
        """``text`` (at most ``max_chars`` characters) as safe HTML with the
        words ``query`` matches in ``<mark>``; needs no database. Never raises."""
        return highlight(text, query, max_chars)
