"""The index's tables: connections, the writer lock, opening, writing, rebuilding.

Writers serialize on one advisory lock per index (held for a transaction),
so the vocabulary's document counts stay exact whatever the number of
processes; readers never wait for them (MVCC). A rebuild fills new tables in
one transaction and swaps them in at its end.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager

import psycopg
from sqlalchemy.engine import Engine

from ..contract import Document, IndexCorrupt, IndexLocked
from ..documents import batched
from .schema import (
    DOC_COLUMNS,
    GENERATED_COLUMNS,
    INDEX_NAMES,
    PAIR_SAMPLE,
    SCHEMA_VERSION,
    STORED_COLUMNS,
    TABLES,
    Names,
    audience,
    create_indexes,
    create_tables,
    meta,
    pair_terms,
    to_rows,
)

log = logging.getLogger(__name__)

# What a dropped or altered table raises: the index is unusable, not the engine.
CORRUPTION = (
    psycopg.errors.UndefinedTable,
    psycopg.errors.UndefinedColumn,
    psycopg.errors.InvalidSchemaName,
    psycopg.errors.UndefinedObject,
    psycopg.errors.DatatypeMismatch,
)


class Store:
    """One index's tables in ``names.schema``; ``created`` tells whether
    opening created (or reset) them."""

    def __init__(self, engine: Engine, names: Names, *, reset_if_corrupt: bool, lock_timeout: float,
                 batch_size: int):
        self.engine = engine
        self.names = names
        self.lock_timeout = lock_timeout
        self.batch_size = batch_size
        self.created = False
        with self.writing() as cur:
            self._open(cur, reset_if_corrupt)

    def _t(self, table: str) -> str:
        return self.names.table(table)

    # --- connections ----------------------------------------------------------

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        raw = self.engine.raw_connection()
        try:
            conn = raw.driver_connection
            if not isinstance(conn, psycopg.Connection):
                raise TypeError("the PostgreSQL search backend needs the psycopg (3) driver")
            yield conn
        finally:
            raw.close()  # back to the pool, rolled back

    @contextmanager
    def writing(self) -> Iterator[psycopg.Cursor]:
        """One transaction holding this index's writer lock; committed on success."""
        with self.connection() as conn:
            try:
                with conn.cursor() as cur:
                    self._lock(cur)
                    yield cur
                conn.commit()
            except CORRUPTION as exc:
                conn.rollback()
                raise IndexCorrupt(f"search index {self.names.schema} is damaged: {exc!r}") from exc
            except BaseException:
                conn.rollback()
                raise

    def _lock(self, cur: psycopg.Cursor) -> None:
        cur.execute(f"SET LOCAL lock_timeout = {max(1, int(self.lock_timeout * 1000))}")
        try:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self._lock_key(),))
        except psycopg.errors.LockNotAvailable as exc:
            raise IndexLocked(f"search index {self.names.schema} is busy") from exc
        cur.execute("SET LOCAL lock_timeout = 0")

    def _lock_key(self) -> str:
        return f"evidence_repo.search:{self.names.schema}.{self.names.prefix}"


    # --- opening --------------------------------------------------------------

    def _open(self, cur: psycopg.Cursor, reset: bool) -> None:
        self._extension(cur)
        cur.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.names.schema}"')
        try:
            state = self._state(cur)
        except IndexCorrupt as exc:
            if not reset:
                raise
            log.warning("resetting unreadable search index %s: %s", self.names.schema, exc)
            state = "reset"
        if state == "older":
            log.warning("search index %s has an older schema version: resetting it", self.names.schema)
        if state != "ok":
            self._drop(cur)
            self._create(cur)
            self.created = True

    def _extension(self, cur: psycopg.Cursor) -> None:
        cur.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cur.fetchone() is None:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext('evidence_repo.search:extensions'))")
            cur.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")

    def _columns(self, cur: psycopg.Cursor, table: str) -> set[str] | None:
        cur.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 "
            "AND NOT attisdropped",
            (self._t(table),),
        )
        found = {r[0] for r in cur.fetchall()}
        return found or None

    def _state(self, cur: psycopg.Cursor) -> str:
        """"missing", "older" or "ok"; raises :class:`IndexCorrupt`."""
        tables = {t: self._columns(cur, t) for t in (*TABLES, "meta")}
        if not any(tables.values()):
            return "missing"
        if tables["meta"] is None:
            raise IndexCorrupt("index tables without their meta table")
        cur.execute(f"SELECT key, value FROM {self._t('meta')}")
        found: dict[str, str] = dict(cur.fetchall())
        try:
            version = int(found.get("schema_version", ""))
        except ValueError:
            raise IndexCorrupt(f"unreadable index meta data: {found}") from None
        if 0 <= version < SCHEMA_VERSION:
            return "older"
        if found != meta():
            raise IndexCorrupt(f"index built by another schema/analyzer version: {found}")
        expected = {
            "docs": {*DOC_COLUMNS, *GENERATED_COLUMNS}, "stored": set(STORED_COLUMNS),
            "vocab": {"audience", "word", "ndocs"}, "pairs": {"term"},
        }
        for table, columns in expected.items():
            if tables[table] != columns:
                raise IndexCorrupt(f"index table {table} is missing or altered")
        return "ok"

    def warm(self) -> int:
        """Ask the database server's operating system to read ahead what every
        search reads: ``docs`` with its TOAST (the ``tsvector`` values ranking
        reads), the indexes, the vocabulary. pg_prewarm's ``prefetch`` only
        advises the kernel (``posix_fadvise``), so this returns at once and no
        search waits for it. At 100,000 documents, right after a restart with
        every cache cold, first searches went p50 / p95 66-72 / 164-167 ms ->
        50 / 71 ms. Needs the pg_prewarm extension (PostgreSQL's contrib; not
        a trusted one): created here when the role may, else nothing is read
        ahead. Returns the blocks asked for."""
        tables = [self._t(t) for t in ("docs", "vocab", "pairs")]
        try:
            with self.connection() as conn, conn.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_prewarm'")
                if cur.fetchone() is None:
                    cur.execute("SELECT pg_advisory_xact_lock(hashtext('evidence_repo.search:extensions'))")
                    cur.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
                    conn.commit()
                cur.execute(
                    "SELECT coalesce(sum(pg_prewarm(r::regclass, 'prefetch')), 0) FROM ("
                    "SELECT oid AS r FROM pg_class WHERE oid = ANY(%(t)s::regclass[]) UNION ALL "
                    "SELECT reltoastrelid FROM pg_class WHERE oid = ANY(%(t)s::regclass[]) AND reltoastrelid <> 0 "
                    "UNION ALL SELECT indexrelid FROM pg_index WHERE indrelid = ANY(%(t)s::regclass[])) s",
                    {"t": tables},
                )
                row = cur.fetchone()
                return int(row[0]) if row else 0
        except psycopg.Error as exc:
            log.info("search index %s not read ahead (pg_prewarm: %s)", self.names.schema, exc)
            return 0

    def _drop(self, cur: psycopg.Cursor, suffix: str = "") -> None:
        names = [self._t(t + suffix) for t in TABLES]
        if not suffix:
            names.append(self._t("meta"))
        cur.execute(f"DROP TABLE IF EXISTS {', '.join(names)}")

    def _create(self, cur: psycopg.Cursor) -> None:
        cur.execute(f"CREATE TABLE {self._t('meta')} (key text PRIMARY KEY, value text NOT NULL)")
        cur.execute(f"CREATE SEQUENCE IF NOT EXISTS {self._t('seq')}")
        for statement in create_tables(self.names) + create_indexes(self.names):
            cur.execute(statement)
        cur.executemany(f"INSERT INTO {self._t('meta')} (key, value) VALUES (%s, %s)", list(meta().items()))

    # --- writing --------------------------------------------------------------

    def add(self, docs: Iterable[Document]) -> int:
        """Add or replace documents by ``id``, one transaction per ``batch_size``.

        Each batch is validated before it is written; a bad document raises
        ``ValueError`` and earlier batches stay committed.
        """
        written = 0
        for batch in batched(docs, self.batch_size):
            # Analysed before taking the writer lock, so other writers do not wait for it; again
            # under the lock only if a rebuild chose other pair terms in between.
            pairs = self._current_pairs()
            latest = _latest(batch, pairs)
            with self.writing() as cur:
                if (now := self.pair_terms(cur)) != pairs:
                    latest = _latest(batch, now)
                self._upsert(cur, latest)
            written += len(latest)
        return written

    def _current_pairs(self) -> frozenset[str]:
        try:
            with self.connection() as conn, conn.cursor() as cur:
                return self.pair_terms(cur)
        except CORRUPTION:
            return frozenset()  # the writer's transaction reports the damage

    def pair_terms(self, cur: psycopg.Cursor, among: Iterable[str] | None = None) -> frozenset[str]:
        """The terms whose pairs the index holds (all, or those ``among``)."""
        if among is None:
            cur.execute(f"SELECT term FROM {self._t('pairs')}")
        else:
            cur.execute(f"SELECT term FROM {self._t('pairs')} WHERE term = ANY(%s)", (list(among),))
        return frozenset(r[0] for r in cur.fetchall())

    def _upsert(self, cur: psycopg.Cursor, latest: dict[object, tuple[dict, dict]]) -> None:
        cur.execute(
            f"SELECT d.visibility, s.words FROM {self._t('docs')} d JOIN {self._t('stored')} s USING (id) "
            "WHERE d.id = ANY(%s)",
            (list(latest),),
        )
        delta: Counter[tuple[str, str]] = Counter()
        for visibility, words in cur.fetchall():
            for w in words:
                delta[(audience(visibility), w)] -= 1
        for row, stored in latest.values():
            for w in stored["words"]:
                delta[(audience(str(row["visibility"])), w)] += 1
        doc_cols = [c for c in DOC_COLUMNS if c != "seq"]
        values = ", ".join("%s" for _ in doc_cols)
        updates = ", ".join(f"{c} = excluded.{c}" for c in (*doc_cols[1:], "seq"))
        cur.executemany(
            f"INSERT INTO {self._t('docs')} ({', '.join(doc_cols)}, seq) "
            f"VALUES ({values}, nextval('{self._t('seq')}')) ON CONFLICT (id) DO UPDATE SET {updates}",
            [tuple(row[c] for c in doc_cols) for row, _ in latest.values()],
        )
        values = ", ".join("%s" for _ in STORED_COLUMNS)
        updates = ", ".join(f"{c} = excluded.{c}" for c in STORED_COLUMNS[1:])
        cur.executemany(
            f"INSERT INTO {self._t('stored')} ({', '.join(STORED_COLUMNS)}) VALUES ({values}) "
            f"ON CONFLICT (id) DO UPDATE SET {updates}",
            [tuple(stored[c] for c in STORED_COLUMNS) for _, stored in latest.values()],
        )
        self._apply_vocab(cur, delta)

    def _apply_vocab(self, cur: psycopg.Cursor, delta: Counter[tuple[str, str]]) -> None:
        """Add ``delta`` to the vocabulary's document counts; drop words no document holds."""
        changes = sorted((k, d) for k, d in delta.items() if d)
        if not changes:
            return
        audiences = [a for (a, _), _ in changes]
        words = [w for (_, w), _ in changes]
        counts = [d for _, d in changes]
        vocab = self._t("vocab")
        cur.execute(
            f"INSERT INTO {vocab} AS v (audience, word, ndocs) "
            "SELECT * FROM unnest(%s::text[], %s::text[], %s::int[]) "
            "ON CONFLICT (audience, word) DO UPDATE SET ndocs = v.ndocs + excluded.ndocs",
            (audiences, words, counts),
        )
        gone = [(a, w) for (a, w), d in changes if d < 0]
        if gone:
            cur.execute(
                f"DELETE FROM {vocab} v USING unnest(%s::text[], %s::text[]) AS t(a, w) "
                "WHERE v.audience = t.a AND v.word = t.w AND v.ndocs <= 0",
                ([a for a, _ in gone], [w for _, w in gone]),
            )

    def delete(self, ids: Iterable[str | int]) -> int:
        """Delete documents by id; returns how many were found."""
        wanted = sorted({str(i) for i in ids})
        if not wanted:
            return 0
        with self.writing() as cur:
            cur.execute(
                f"DELETE FROM {self._t('docs')} WHERE id = ANY(%s) RETURNING id, visibility", (wanted,)
            )
            visibility = dict(cur.fetchall())
            cur.execute(f"DELETE FROM {self._t('stored')} WHERE id = ANY(%s) RETURNING id, words", (wanted,))
            delta: Counter[tuple[str, str]] = Counter()
            for doc_id, words in cur.fetchall():
                for w in words:
                    delta[(audience(visibility.get(doc_id, "")), w)] -= 1
            self._apply_vocab(cur, delta)
        return len(visibility)

    def rebuild(
        self, docs: Iterable[Document], progress: Callable[[int], None] | None = None, procs: int = 1
    ) -> int:
        """Replace everything with ``docs`` (repeated ids: the first is kept).

        One transaction fills new tables with COPY, builds their indexes and
        swaps them in: readers see the old contents until it commits, a crash
        or a bad document leaves the old index intact, and writers wait. A
        damaged index is simply replaced. ``procs`` > 1 analyses the
        documents in that many child processes while this one copies. The
        first ``PAIR_SAMPLE`` documents choose the terms whose pairs are
        indexed until the next rebuild (:func:`.schema.pair_terms`).
        """
        n = self.names
        with self.writing() as cur:
            self._extension(cur)
            cur.execute(f'CREATE SCHEMA IF NOT EXISTS "{n.schema}"')
            cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
            self._drop(cur, "_new")
            for statement in create_tables(n, "_new"):
                cur.execute(statement)
            seen: set[str] = set()
            vocab: Counter[tuple[str, str]] = Counter()
            doc_cols = ", ".join(DOC_COLUMNS)
            docs = iter(docs)
            sample = list(itertools.islice(docs, PAIR_SAMPLE))
            pairs = pair_terms(sample)
            docs = itertools.chain(sample, docs)
            with cur.copy(f"COPY {n.table('pairs_new')} (term) FROM STDIN") as copy:
                for term in sorted(pairs):
                    copy.write_row((term,))
            for analysed, counts in analysed_batches(docs, max(self.batch_size, 500), procs, pairs):
                vocab.update(counts)
                rows = []
                for row, stored in analysed:
                    if row["id"] in seen:  # the first is kept: its words were counted already
                        vocab.subtract(_words_of(str(row["visibility"]), str(stored["words"])))
                        continue
                    seen.add(str(row["id"]))
                    row["seq"] = len(seen)
                    rows.append((row, stored))
                with cur.copy(f"COPY {n.table('docs_new')} ({doc_cols}) FROM STDIN") as copy:
                    for row, _ in rows:
                        copy.write_row([row[c] for c in DOC_COLUMNS])
                with cur.copy(f"COPY {n.table('stored_new')} ({', '.join(STORED_COLUMNS)}) FROM STDIN") as copy:
                    for _, stored in rows:
                        copy.write_row([stored[c] for c in STORED_COLUMNS])
                if progress:
                    progress(len(seen))
            with cur.copy(f"COPY {n.table('vocab_new')} (audience, word, ndocs) FROM STDIN") as copy:
                for (group, word), count in sorted(vocab.items()):
                    if count > 0:  # a repeated id's words were taken back
                        copy.write_row((group, word, count))
            for statement in create_indexes(n, "_new"):
                cur.execute(statement)
            for table in TABLES:
                cur.execute(f"ANALYZE {n.table(table + '_new')}")
            # The swap: the only moment readers wait, for the length of a few renames.
            self._drop(cur)
            for table in TABLES:
                cur.execute(f"ALTER TABLE {n.table(table + '_new')} RENAME TO \"{n.prefix}{table}\"")
            for index in INDEX_NAMES:
                table, _, kind = index.partition("_")
                cur.execute(
                    f'ALTER INDEX "{n.schema}"."{n.prefix}{table}_new_{kind}" RENAME TO "{n.prefix}{index}"'
                )
            cur.execute(f"CREATE TABLE {self._t('meta')} (key text PRIMARY KEY, value text NOT NULL)")
            cur.executemany(f"INSERT INTO {self._t('meta')} (key, value) VALUES (%s, %s)", list(meta().items()))
            cur.execute(f"CREATE SEQUENCE IF NOT EXISTS {self._t('seq')}")
            cur.execute("SELECT setval(%s, %s, true)", (self._t("seq"), max(1, len(seen))))
        self._vacuum()
        return len(seen)

    def _vacuum(self) -> None:
        """Mark the new rows as committed for everyone (hint bits, visibility
        map), so the first searches after a rebuild do not each write that on
        the pages they read: at 100,000 documents the first search for a
        common word was ~40 % slower than the next. Best effort: a failure is
        logged, the index is already complete."""
        try:
            with self.connection() as conn:
                conn.autocommit = True
                try:
                    conn.execute(f"VACUUM {self._t('docs')}, {self._t('stored')}")
                finally:
                    conn.autocommit = False
        except psycopg.Error:
            log.warning("could not vacuum search index %s after its rebuild", self.names.schema, exc_info=True)


def _latest(batch: list[Document], pairs: frozenset[str]) -> dict[object, tuple[dict, dict]]:
    """The rows of a batch by id (a repeated id: the last wins)."""
    latest = {}
    for doc in batch:
        row, stored = to_rows(doc, pairs)
        latest[row["id"]] = (row, stored)
    return latest


def _array(words: list[str]) -> str:
    """A ``text[]`` literal: COPY takes it as text, far cheaper than psycopg
    dumping a list (vocabulary words are letters only, so quoting is enough)."""
    return "{" + ",".join(f'"{w}"' for w in words) + "}"


def _words_of(visibility: str, literal: str) -> Counter[tuple[str, str]]:
    group = audience(visibility)
    return Counter((group, w) for w in literal[2:-2].split('","') if w)


Analysed = tuple[list[tuple[dict, dict]], Counter[tuple[str, str]]]


def _rows_of(batch: list[Document], pairs: frozenset[str]) -> Analysed:
    """Rows of a batch, their words as a ``text[]`` literal, and how many
    documents of each audience have each word."""
    rows = []
    words: dict[str, list[str]] = {}
    for doc in batch:
        row, stored = to_rows(doc, pairs)
        words.setdefault(audience(str(row["visibility"])), []).extend(stored["words"])  # type: ignore[arg-type]
        stored["words"] = _array(stored["words"])  # type: ignore[arg-type]
        rows.append((row, stored))
    counts: Counter[tuple[str, str]] = Counter()
    for group, found in words.items():
        counts.update({(group, w): n for w, n in Counter(found).items()})
    return rows, counts


def analysed_batches(
    docs: Iterable[Document], size: int, procs: int, pairs: frozenset[str] = frozenset()
) -> Iterator[Analysed]:
    """``_rows_of`` ``docs`` in order, batch by batch.

    Analysis is pure Python and most of a rebuild's time, so with ``procs`` > 1
    it runs in that many spawned processes (spawned, not forked: safe in a
    process with threads). At most two batches per process are in flight, so
    memory stays bounded however many documents come; a bad document raises
    here as it would in one process.
    """
    if procs <= 1:
        for batch in batched(docs, size):
            yield _rows_of(batch, pairs)
        return
    pool = ProcessPoolExecutor(procs, mp_context=multiprocessing.get_context("spawn"))
    pending: deque[Future] = deque()
    try:
        for batch in batched(docs, size):
            pending.append(pool.submit(_rows_of, batch, pairs))
            if len(pending) >= 2 * procs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
