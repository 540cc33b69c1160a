"""Search benchmark: our WhooshBackend against SQLite FTS5 on the same synthetic Spanish corpus.

For each size (default 10k and 100k documents of ~400 words, Zipf-distributed vocabulary, ~10 % restricted):

1. build times of both engines (documents are generated lazily, so memory stays bounded);
2. p50/p95 latency of one query set on
   - FTS5: top 20 by bm25 + COUNT, visibility restricted in the SQL ("fts5");
   - FTS5 plus what our API also returns: snippets and the four facet counts ("fts5_full");
   - Whoosh through WhooshBackend.search (total, facets, snippets, suggestion) with its result cache off
     ("whoosh_api": a query not seen before, per-term document sets already in memory), with every cache
     dropped before each run ("whoosh_api_cold": a process's first search, nothing read ahead), right after
     an upload added a small segment ("whoosh_api_after_upload": a new index generation), and with the
     result cache on after one warming run ("whoosh_api_cached");
   - Whoosh "bare": the same parsed query and restriction, top-20 ids + exact total ("whoosh_bare");
   and the ratio Whoosh p95 / FTS5 p95 (target <= 3);
   with `--backend postgres`, also our PostgresBackend on a throwaway PostgreSQL cluster (or `--postgres-url`):
   its full rebuild time and size, "postgres_api" (repeated queries: it keeps no result cache, so every
   search is evaluated; shared buffers warm) and "postgres_api_first" (each query once, on a new backend
   with a new connection: no prepared plans, first time that query is seen);
3. at the largest size, `GET /api/v1/search` over HTTP against `evidence-repo serve` started on a data folder whose
   index was built beforehand (target p95 <= 100 ms): first requests for distinct queries, then repeats.

Results go to bench/out/search.json.

Usage: .venv/bin/python bench/search.py [--sizes 10000,100000] [--reps 5] [--procs 2] [--skip-http]
                                        [--work DIR [--reuse]] [--backend whoosh|postgres [--postgres-url URL]
                                        [--skip-whoosh]]
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import date, timedelta
from pathlib import Path

from _common import ROOT, cli, percentile, running_server  # noqa: I001
from whoosh import query as wq

from indexer import PUBLIC_ONLY
from indexer.whoosh import WhooshBackend
from indexer.whoosh.query import expand_prefixes, parse

OUT = ROOT / "bench" / "out" / "search.json"
WORDS_PER_DOC = 400
RESTRICTED_SHARE = 0.10

# --- vocabulary ---------------------------------------------------------------------------------------------

STOP = """de la que el en y a los del se las por un para con no una su al lo como más pero sus le ya o este
sí porque esta entre cuando muy sin sobre también me hasta hay donde quien desde todo nos durante todos uno les
ni contra otros ese eso ante ellos e esto mí antes algunos qué unos yo otro otras otra él tanto esa estos mucho
quienes nada muchos cual poco ella estar estas algunas algo nosotros""".split()

# Ranked near the top on purpose: the query set asks for them.
GOVERNMENT = """transparencia rendición cuentas participación ciudadana gobierno abierto plan acción compromiso
datos abiertos contrataciones presupuesto municipio organizaciones sociedad civil minuta reunión reuniones
convocatoria relatoría informe capacitación padrón beneficiarios secretaría dependencia programa acceso
información pública solicitudes auditoría contraloría vigilancia comité sesión acuerdos lista asistencia
seguimiento evaluación indicadores metas resultados recursos ejercicio fiscal licitación adjudicación
transparente transparentar transparentes transparentado anticorrupción integridad""".split()

PHRASES = ["rendición de cuentas", "lista de asistencia", "gobierno abierto", "participación ciudadana",
           "datos abiertos", "plan de acción", "sociedad civil", "acceso a la información"]

NOUNS = """acta actividad administración agenda alcaldía análisis anexo apertura apoyo archivo asamblea asesoría
asociación atención autoridad avance ayuntamiento base beneficio bienestar calendario cambio capacidad carpeta
catálogo censo centro ciudad ciudadanía coordinación colonia comisión comunidad concejo conclusión condición
congreso consejo consulta contrato convenio corrupción criterio cuestionario cultura decreto derecho
desarrollo diagnóstico difusión dirección documento economía educación elección empresa encuesta entidad
equipo escuela espacio estrategia estructura estudio evidencia expediente experiencia facultad fondo foro
formato fortalecimiento función funcionario garantía gasto gestión gobernanza grupo herramienta hospital
igualdad impacto implementación incidencia inclusión infraestructura iniciativa institución instrumento
inversión investigación jornada junta justicia legislación ley lineamiento localidad manual mecanismo medio
mejora memoria mesa metodología modelo monitoreo movimiento mujer necesidad normativa obra observatorio oficio
opinión órgano padrón página pago país participante periodo persona perspectiva plataforma población política
portal práctica premio presidencia principio prioridad problema procedimiento proceso producto programa
propuesta protección proveedor proyecto publicación pueblo razón reforma región registro reglamento relación
reporte representante requisito respuesta responsable revisión riesgo salud sector seguridad servicio
servidor sistema situación sociedad solicitud tecnología tema territorio testigo trabajo trámite tribunal
unidad universidad usuario valor versión vivienda voluntad zona agua ambiente comercio empleo energía
movilidad transporte vecino juventud niñez discapacidad pobreza migración frontera campo cosecha mercado
precio tarifa impuesto deuda crédito subsidio pensión nómina plaza puesto cargo firma sello oficina edificio
parque calle carretera puente drenaje alumbrado basura limpieza policía bombero emergencia protocolo
capacitador facilitador moderador relator ponente invitado asistente cronograma presupuesto partida capítulo
concepto auditor contralor síndico regidor diputado senador magistrado juez notario perito consultor
académico estudiante docente investigador periodista activista colectivo fundación cooperativa sindicato""".split()

ADJECTIVES = """público social nacional local municipal estatal federal regional general especial técnico
jurídico político económico ambiental cultural digital electrónico administrativo operativo financiero
presupuestario institucional ciudadano participativo abierto accesible claro oportuno completo veraz confiable
anual trimestral mensual semestral final inicial preliminar definitivo nuevo actual anterior siguiente
primero segundo tercero último principal interno externo formal informal directo indirecto proactivo
reactivo responsable eficiente eficaz integral sostenible inclusivo""".split()

VERBS = """publicar presentar revisar analizar informar aprobar acordar convocar registrar participar
realizar coordinar implementar evaluar organizar capacitar documentar elaborar integrar validar entregar
difundir actualizar consultar solicitar dictaminar sesionar firmar enviar recibir atender garantizar fortalecer
impulsar promover vigilar monitorear verificar asignar ejecutar contratar licitar adjudicar comprobar
reportar notificar archivar digitalizar transparentar rendir proponer establecer cumplir emitir resolver
requerir remitir definir describir exponer obtener mantener contener prever reconocer ofrecer permitir
recopilar sistematizar priorizar socializar retroalimentar asesorar acompañar articular colaborar construir
dialogar diseñar gestionar incorporar involucrar medir mejorar planear programar proyectar presupuestar
rediseñar señalar sustentar tramitar usar visibilizar dar cumplimentar designar decidir discutir escribir
leer aprender conocer crecer depender devolver disponer ejercer extender poner prometer responder suponer
abrir admitir asistir compartir concluir distribuir excluir incluir instruir invertir producir reducir
reunir subir transferir unir vivir""".split()

MORE_NOUNS = """abogado acceso acuerdo acusación adquisición agencia alianza almacén alternativa ámbito
aportación aprendizaje área argumento artículo aspecto auditoría ausencia balance banco barrio biblioteca
boletín brecha búsqueda cabildo cadena calidad campaña canal candidato capital característica carta caso
causa certificado ciclo cifra circular clasificación cobertura código compra conferencia conflicto
conocimiento consecuencia constitución contexto control convocante costo cuenta cuota dato declaración
defensa demanda denuncia departamento dependencia desempeño destino dictamen diferencia dinero directorio
discurso diseño disposición distrito división efecto eje ejemplo elemento enfoque entrevista error escala
estadística estado etapa evento exposición factura fecha fenómeno ficha fiscalía folio fuente gabinete
gaceta género gestor hallazgo historia hogar hora idea imagen índice indicador ingreso insumo interés
jurisdicción lector lenguaje licencia límite línea listado lugar marco materia medida mensaje meta minuto
misión momento monto muestra nivel nombre norma nota número objetivo obligación observación ocasión oferta
oportunidad orden origen padre papel parte partido patrimonio pieza plazo pliego poder porcentaje posición
postura prensa presencia préstamo prueba punto queja rango reclamo recomendación recurso red referencia
regla rendimiento renglón requerimiento reserva residuo resolución retraso reunión rubro ruta sanción
secretario semana señal serie sesión sitio sociedad suelo sujeto superficie tabla tarea tasa testimonio
texto tiempo tipo título total transparencia tratamiento vez vía vigencia visita voto""".split()

MORE_ADJECTIVES = """adecuado amplio básico breve central cierto común concreto correcto crítico diverso
efectivo esencial específico estratégico evidente exacto favorable fundamental grave histórico humano
importante indígena justo legal libre mayor menor mínimo necesario negativo normal objetivo obligatorio
pendiente permanente positivo posible práctico previo privado propio rápido real reciente relevante
rural seguro sencillo similar suficiente temporal territorial total único urbano útil válido vigente
visible vulnerable""".split()


def _inflect(lemma: str, kind: str) -> list[str]:
    if kind == "noun":
        if lemma.endswith(("a", "e", "i", "o", "u", "é")):
            return [lemma, lemma + "s"]
        if lemma.endswith("z"):
            return [lemma, lemma[:-1] + "ces"]
        if lemma.endswith("ión"):
            return [lemma, lemma[:-3] + "iones"]
        if lemma.endswith("s"):
            return [lemma]
        return [lemma, lemma + "es"]
    if kind == "adj":
        if lemma.endswith("o"):
            stem = lemma[:-1]
            return [lemma, stem + "a", stem + "os", stem + "as"]
        if lemma.endswith("e"):
            return [lemma, lemma + "s"]
        return [lemma, lemma + "es"]
    if lemma.endswith("ar"):
        s = lemma[:-2]
        return [lemma, s + "a", s + "an", s + "ó", s + "aron", s + "ado", s + "ada", s + "ados", s + "ando",
                s + "amos", s + "ación", s + "aciones"]
    if lemma.endswith(("er", "ir")):
        s = lemma[:-2]
        return [lemma, s + "e", s + "en", s + "ió", s + "ieron", s + "ido", s + "ida", s + "idos", s + "iendo",
                s + "imos", s + "ía", s + "ían"]
    return [lemma]


def _rare_words(n: int, taken: set[str], rng: random.Random) -> list[str]:
    onsets = ["b", "c", "d", "f", "g", "l", "m", "n", "p", "r", "s", "t", "v", "ch", "ll", "qu", "br", "tr", "pl"]
    vowels = ["a", "e", "i", "o", "u", "a", "e", "o", "á", "é", "í", "ó"]
    endings = ["", "", "", "n", "s", "r", "ción", "dad", "miento", "ista"]
    words: list[str] = []
    seen = set(taken)
    while len(words) < n:
        parts = [rng.choice(onsets) + rng.choice(vowels) for _ in range(rng.randint(2, 4))]
        word = "".join(parts) + rng.choice(endings)
        if sum(c in "áéíó" for c in word) <= 1 and word not in seen:
            seen.add(word)
            words.append(word)
    return words


class Vocabulary:
    """Tokens ranked for a Zipf law: stop words first, government words next, real forms, then made-up rare words."""

    def __init__(self, seed: int = 11, rare: int = 60_000, exponent: float = 1.05):
        rng = random.Random(seed)
        real: list[str] = []
        for lemma in NOUNS + MORE_NOUNS:
            real += _inflect(lemma, "noun")
        for lemma in ADJECTIVES + MORE_ADJECTIVES:
            real += _inflect(lemma, "adj")
        for lemma in VERBS:
            real += _inflect(lemma, "verb")
        head = list(dict.fromkeys(STOP + GOVERNMENT + PHRASES))
        rest = [w for w in dict.fromkeys(real) if w not in set(head)]
        rng.shuffle(rest)
        # Government words and phrases are spread among the first few hundred ranks, not all at the very top.
        ranked = STOP[:]
        gov = [w for w in head if w not in STOP]
        for i, word in enumerate(gov):
            ranked.append(word)
            ranked.extend(rest[i * 3 : i * 3 + 3])
        ranked += rest[len(gov) * 3 :]
        self.real = len(ranked)
        ranked += _rare_words(rare, set(ranked), rng)
        self.tokens = ranked
        self.cum = list(itertools.accumulate(1 / (r ** exponent) for r in range(1, len(ranked) + 1)))

    def draw(self, rng: random.Random, k: int) -> list[str]:
        return rng.choices(self.tokens, cum_weights=self.cum, k=k)

    def rank(self, word: str) -> int:
        return self.tokens.index(word) + 1

    def share_of_docs(self, word: str, words_per_doc: int = WORDS_PER_DOC) -> float:
        p = (1 / self.rank(word)) / self.cum[-1]
        return 1 - (1 - p) ** words_per_doc


MEANS = ["Convocatoria", "Lista de asistencia", "Minuta", "Relatoría", "Informe", "Memoria fotográfica",
         "Presentación", "Oficio"]
FILE_TYPES = ["pdf", "pdf", "pdf", "docx", "docx", "pptx", "xlsx", "png", "jpg"]
MILESTONES = 40


def _text(vocab: Vocabulary, rng: random.Random, n: int) -> str:
    words = vocab.draw(rng, n)
    out, i = [], 0
    while i < len(words):
        size = rng.randint(8, 22)
        sentence = " ".join(words[i : i + size])
        out.append(sentence[:1].upper() + sentence[1:] + ".")
        i += size
    return " ".join(out)


def documents(n: int, vocab: Vocabulary, seed: int = 7):
    """Lazily generated documents, the same for both engines (one RNG per document)."""
    milestone_rng = random.Random(seed)
    milestone_text = {m: _text(vocab, milestone_rng, 14) for m in range(1, MILESTONES + 1)}
    start = date(2016, 1, 1)
    for i in range(1, n + 1):
        rng = random.Random(seed * 1_000_003 + i)
        milestone = rng.randint(1, MILESTONES)
        means = rng.choice(MEANS)
        when = start + timedelta(days=rng.randrange(9 * 365))
        activity = rng.randint(1, 4)
        yield {
            "id": str(i),
            "title": f"{means} {' '.join(vocab.draw(rng, rng.randint(4, 9)))}",
            "description": _text(vocab, rng, rng.randint(10, 30)),
            "text": _text(vocab, rng, WORDS_PER_DOC),
            "milestone": str(milestone),
            "milestone_text": milestone_text[milestone],
            "activity": f"{milestone}.{activity}",
            "activity_text": f"Actividad {activity} del compromiso {milestone}",
            "means": means,
            "means_text": means,
            "date": when.isoformat(),
            "year": str(when.year),
            "file_type": rng.choice(FILE_TYPES),
            "visibility": "restricted" if rng.random() < RESTRICTED_SHARE else "public",
        }


_CORPUS: dict[int, list[dict]] = {}


def corpus(n: int, vocab: Vocabulary) -> list[dict]:
    """The ``n`` documents, generated once per size and kept in memory, so every
    build below times indexing only (generation is printed apart)."""
    if n not in _CORPUS:
        _CORPUS.clear()
        t = time.perf_counter()
        _CORPUS[n] = list(documents(n, vocab))
        print(f"  generated {n} documents in {time.perf_counter() - t:.1f} s (not part of any build time)")
    return _CORPUS[n]


class Timed:
    """Wraps an iterator and adds up the time spent producing items (document generation)."""

    def __init__(self, it):
        self.it, self.seconds = iter(it), 0.0

    def __iter__(self):
        return self

    def __next__(self):
        t = time.perf_counter()
        try:
            return next(self.it)
        finally:
            self.seconds += time.perf_counter() - t


# --- queries -----------------------------------------------------------------------------------------------


def query_set(vocab: Vocabulary) -> list[dict]:
    """One entry per kind of query: our syntax, the FTS5 equivalent and optional filters."""
    rare = vocab.tokens[vocab.real + 25_000]
    return [
        {"name": "common word", "q": "transparencia", "fts": "transparencia"},
        {"name": "two-word AND", "q": "informe presupuesto", "fts": "informe presupuesto"},
        {"name": "rare word", "q": rare, "fts": rare},
        {"name": "phrase", "q": '"rendición de cuentas"', "fts": '"rendición de cuentas"'},
        {"name": "prefix", "q": "transpar*", "fts": "transpar*"},
        {"name": "OR", "q": "minuta OR relatoría", "fts": "minuta OR relatoría"},
        {"name": "milestone filter", "q": "informe", "fts": "informe", "filters": {"milestone": "3"}},
        {"name": "no accents", "q": "participacion ciudadana", "fts": "participacion ciudadana"},
        {"name": "no accent, one word", "q": "reunion", "fts": "reunion"},
    ]


# --- SQLite FTS5 ------------------------------------------------------------------------------------------

FTS_COLUMNS = ["title", "description", "body", "milestone_text", "activity_text", "means_text"]
FTS_WEIGHTS = "4.0, 2.0, 1.0, 1.5, 1.2, 1.5"  # same field weights as indexer.whoosh.schema.FIELD_BOOSTS
FTS_META = ["doc_id", "visibility", "milestone", "means", "year", "file_type", "date"]


def build_fts(path: Path, docs) -> int:
    db = sqlite3.connect(path)
    cols = ", ".join(FTS_COLUMNS + [f"{c} UNINDEXED" for c in FTS_META])
    db.execute(f"CREATE VIRTUAL TABLE docs USING fts5({cols}, tokenize=\"unicode61 remove_diacritics 2\")")
    n = 0
    it = iter(docs)
    while batch := list(itertools.islice(it, 2000)):
        db.executemany(
            f"INSERT INTO docs VALUES ({', '.join('?' * (len(FTS_COLUMNS) + len(FTS_META)))})",
            [(d["title"], d["description"], d["text"], d["milestone_text"], d["activity_text"], d["means_text"],
              d["id"], d["visibility"], d["milestone"], d["means"], d["year"], d["file_type"], d["date"])
             for d in batch],
        )
        db.commit()
        n += len(batch)
    db.execute("INSERT INTO docs(docs) VALUES ('optimize')")
    db.commit()
    db.close()
    return n


def _fts_where(q: dict, levels: frozenset[str]) -> tuple[str, list]:
    where = f"docs MATCH ? AND visibility IN ({', '.join('?' * len(levels))})"
    args = [q["fts"], *sorted(levels)]
    for name, value in (q.get("filters") or {}).items():
        where += f" AND {name} = ?"
        args.append(value)
    return where, args


def fts_bare(db: sqlite3.Connection, q: dict, levels=PUBLIC_ONLY) -> tuple[int, list]:
    where, args = _fts_where(q, levels)
    top = db.execute(f"SELECT doc_id FROM docs WHERE {where} ORDER BY bm25(docs, {FTS_WEIGHTS}) LIMIT 20",
                     args).fetchall()
    total = db.execute(f"SELECT count(*) FROM docs WHERE {where}", args).fetchone()[0]
    return total, [r[0] for r in top]


def fts_full(db: sqlite3.Connection, q: dict, levels=PUBLIC_ONLY) -> tuple[int, list]:
    """What our API answers, as FTS5 would: top 20 with snippets, total and four facet counts."""
    where, args = _fts_where(q, levels)
    top = db.execute(
        f"SELECT doc_id, title, snippet(docs, 2, '<mark>', '</mark>', '…', 24) FROM docs WHERE {where} "
        f"ORDER BY bm25(docs, {FTS_WEIGHTS}) LIMIT 20", args).fetchall()
    total = db.execute(f"SELECT count(*) FROM docs WHERE {where}", args).fetchone()[0]
    for facet in ("milestone", "means", "year", "file_type"):
        db.execute(f"SELECT {facet}, count(*) FROM docs WHERE {where} GROUP BY {facet}", args).fetchall()
    return total, [r[0] for r in top]


# --- Whoosh -------------------------------------------------------------------------------------------------


def whoosh_api(index: WhooshBackend, q: dict) -> tuple[int, list]:
    r = index.search(q["q"], visibility=PUBLIC_ONLY, filters=q.get("filters"))
    return r.total, [h.id for h in r.hits]


def whoosh_bare(index: WhooshBackend, q: dict) -> tuple[int, list]:
    """Plain Whoosh, as one would write it: our parser, prefix expansion and the visibility restriction inside the
    query, top-20 ids and the exact total; no facets, snippets, suggestion or document-set algebra."""
    restriction = wq.And([wq.Term("visibility", "public")]
                         + [wq.Term(k, str(v)) for k, v in (q.get("filters") or {}).items()])
    s = index._current()[1]  # this thread's searcher, as the backend holds it
    user_q = expand_prefixes(parse(index._parser, q["q"]), s.reader(), "vocab_public")
    # optimize=False: block-quality skipping trips an assertion in Require.
    results = s.search(wq.Require(user_q, restriction), limit=20, optimize=False)
    return len(results), [h["id"] for h in results]


def time_queries(fn, queries: list[dict], reps: int, before=None) -> dict:
    """Runs every query `reps` times (after one untimed warm-up each); returns latency figures in ms."""
    samples: list[float] = []
    per_query: dict[str, dict] = {}
    for q in queries:
        if before:
            before()
        total, _ = fn(q)
        times = []
        for _ in range(reps):
            if before:
                before()
            t = time.perf_counter()
            fn(q)
            times.append((time.perf_counter() - t) * 1000)
        samples += times
        per_query[q["name"]] = {"total": total, "p50_ms": round(percentile(times, 50), 2),
                                "max_ms": round(max(times), 2)}
    return {"p50_ms": round(percentile(samples, 50), 2), "p95_ms": round(percentile(samples, 95), 2),
            "samples": len(samples), "queries": per_query}


def after_upload(index: WhooshBackend, queries: list[dict], reps: int) -> dict:
    """Each query right after an upload committed a new small segment (a new generation: no answer or document set
    of the last one is reused, only the postings of the segments it shares). The uploads are deleted afterwards."""
    added = []

    def upload() -> None:
        doc_id = f"bench-upload-{len(added)}"
        index.add([{"id": doc_id, "title": "Minuta de la sesión", "text": "transparencia informe reunión minuta",
                    "visibility": "public"}])
        added.append(doc_id)

    index.search("calentamiento", visibility=PUBLIC_ONLY)  # the process has searched this index before
    timed = time_queries(lambda q: whoosh_api(index, q), queries, reps, before=upload)
    index.delete(added)
    return timed


def max_rss_mb(children: bool = False) -> float:
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024


# --- PostgreSQL -------------------------------------------------------------------------------------------------


def postgres_api(index, q: dict) -> tuple[int, list]:
    r = index.search(q["q"], visibility=PUBLIC_ONLY, filters=q.get("filters"))
    return r.total, [h.id for h in r.hits]


def time_first(open_index, queries: list[dict]) -> dict:
    """Each query once, on a freshly opened backend (new engine and connection): a query never seen before."""
    samples, per_query = [], {}
    for q in queries:
        index = open_index()
        t = time.perf_counter()
        total, _ = postgres_api(index, q)
        ms = (time.perf_counter() - t) * 1000
        index.close()
        samples.append(ms)
        per_query[q["name"]] = {"total": total, "p50_ms": round(ms, 2), "max_ms": round(ms, 2)}
    return {"p50_ms": round(percentile(samples, 50), 2), "p95_ms": round(percentile(samples, 95), 2),
            "samples": len(samples), "queries": per_query}


def postgres_size_mb(index) -> float:
    from sqlalchemy import text

    with index.engine.connect() as conn:
        return float(conn.execute(text(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :s AND c.relkind = 'r'"),
            {"s": index.names.schema}).scalar()) / 2**20


def run_postgres(n: int, url: str, vocab: Vocabulary, queries: list[dict], reps: int, reuse: bool,
                 out: dict, engines: dict, procs: int = 1) -> None:
    from indexer.postgres import PostgresBackend

    schema = f"bench_{n}"
    index = PostgresBackend(url, schema=schema)
    if reuse and index.count() == n:
        print("  postgres: reusing the index an earlier run built")
    else:
        docs = Timed(corpus(n, vocab))
        t = time.perf_counter()
        index.rebuild(docs, progress=lambda k: print(f"\r  postgres: {k} docs", end="", flush=True)
                      if k % 10_000 < 500 else None, procs=procs)
        build = time.perf_counter() - t
        print(f"\r  postgres build {build:.1f} s with {procs} process(es), "
              f"tables {postgres_size_mb(index):.0f} MB")
        if out.get("build_s") is None:
            out["build_s"] = {}
        out["build_s"]["postgres"] = round(build, 1)
        out["build_s"]["postgres_procs"] = procs
    out.setdefault("size_mb", {})["postgres"] = round(postgres_size_mb(index), 1)
    print(f"  timing postgres queries (load average {load()})")
    engines["postgres_api_first"] = time_first(lambda: PostgresBackend(url, schema=schema), queries)
    engines["postgres_api"] = time_queries(lambda q: postgres_api(index, q), queries, reps)
    index.close()


def start_postgres():
    """A throwaway cluster (tests/postgres.py: fsync off, Unix socket) with a database for the benchmark."""
    from tests.postgres import Cluster

    cluster = Cluster().start()
    return cluster, cluster.create_database("bench")


# --- HTTP ---------------------------------------------------------------------------------------------------


def http_queries(queries: list[dict]) -> list[dict]:
    """Query-string parameters for the endpoint: the query set on pages 1 and 2, plus date sort."""
    out = []
    for q in queries:
        base = {"q": q["q"], **({"milestone": q["filters"]["milestone"]} if q.get("filters") else {})}
        out += [base, {**base, "page": 2}, {**base, "sort": "date"}]
    return out


def prepare_data_dir(data_dir: Path, index_dir: Path) -> None:
    """A data folder the app accepts with our pre-built index: the app rebuilds an index that is new, unreadable
    or whose document count differs from the database's evidence count, so the database gets one evidence row per
    indexed document (same id and visibility; no files) and the index is moved in after `init`."""
    from sqlalchemy import insert, select

    from evidence_repo import create_app
    from evidence_repo.evidence.models import Evidence
    from evidence_repo.plan.models import Milestone, VerificationMeans

    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    cli({**os.environ, "EVIDENCE_REPO_DATA": str(data_dir)}, "init")
    index = WhooshBackend(index_dir)
    states = index.doc_states()
    index.close()
    restricted = {i for i, state in states.items() if state["visibility"] == "restricted"}
    ids = sorted(int(i) for i in states)
    app = create_app({"DATA_DIR": data_dir})
    from evidence_repo.services import services

    with services(app).sessions() as session:
        milestone = session.scalar(select(Milestone.id))
        means = session.scalar(select(VerificationMeans.id))
        for chunk in _chunks(ids, 5000):
            session.execute(insert(Evidence), [
                {"id": i, "milestone_id": milestone, "means_id": means, "title": f"Evidencia {i}",
                 "visibility": "restricted" if str(i) in restricted else "public"} for i in chunk])
        session.commit()
    shutil.rmtree(data_dir / "index")
    os.rename(index_dir, data_dir / "index")


def prepare_postgres_app(url: str, schema: str) -> None:
    """The app's tables in ``url``'s database with one evidence row per document of the index in ``schema``
    (same id and visibility; no files), and that index renamed to the schema the app searches ("search"):
    the app then finds it complete and does not rebuild it. :func:`release_postgres_app` undoes the rename."""
    from sqlalchemy import create_engine, insert, select, text

    from evidence_repo import create_app
    from evidence_repo.evidence.models import Evidence
    from evidence_repo.plan.models import Milestone, VerificationMeans

    engine = create_engine(url)
    with engine.begin() as conn:
        rows = [tuple(r) for r in conn.execute(text(f'SELECT id::int, visibility FROM "{schema}".docs ORDER BY 1'))]
    with engine.begin() as conn:  # new app tables: an earlier run's rows would be out of step
        conn.execute(text('DROP SCHEMA IF EXISTS "search" CASCADE'))
        for (table,) in conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).all():
            conn.execute(text(f'DROP TABLE IF EXISTS public."{table}" CASCADE'))  # not the schema: pg_trgm is there
    # init first, while "search" is absent: init rebuilds an index out of step with the evidence.
    cli({**os.environ, "DATABASE_URL": url, "EVIDENCE_REPO_SEARCH": "postgres"}, "init")
    app = create_app({"DATABASE_URL": url, "SEARCH_BACKEND": "postgres"})
    from evidence_repo.services import services

    with services(app).sessions() as session:
        milestone = session.scalar(select(Milestone.id))
        means = session.scalar(select(VerificationMeans.id))
        for chunk in _chunks(rows, 5000):
            session.execute(insert(Evidence), [
                {"id": i, "milestone_id": milestone, "means_id": means, "title": f"Evidencia {i}",
                 "visibility": v} for i, v in chunk])
        session.commit()
    with engine.begin() as conn:
        conn.execute(text('DROP SCHEMA "search" CASCADE'))  # the empty index init made
        conn.execute(text(f'ALTER SCHEMA "{schema}" RENAME TO "search"'))
    engine.dispose()


def release_postgres_app(url: str, schema: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'ALTER SCHEMA "search" RENAME TO "{schema}"'))
    engine.dispose()


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def bench_http(data_dir: Path, queries: list[dict], rounds: int = 3, **env) -> dict:
    """First request of each distinct query (nothing cached), then `rounds - 1` repeats of the whole list."""
    params = http_queries(queries)
    data_dir.mkdir(parents=True, exist_ok=True)
    with running_server(data_dir, **env) as (server, _token):
        def get(p: dict) -> tuple[float, dict]:
            url = f"{server.url}/api/v1/search?{urllib.parse.urlencode(p)}"
            t = time.perf_counter()
            with urllib.request.urlopen(url, timeout=120) as response:
                body = json.loads(response.read())
            return (time.perf_counter() - t) * 1000, body

        get({"q": "calentamiento"})  # the process's first search opens the index
        if not get({"q": ""})[1].get("total"):
            raise RuntimeError(f"the server does not see the pre-built index: {server.data / 'server.log'}")
        first, repeat, totals, slowest = [], [], {}, []
        for round_ in range(rounds):
            for p in params:
                ms, body = get(p)
                (first if round_ == 0 else repeat).append(ms)
                totals[urllib.parse.urlencode(p)] = body.get("total")
                if round_ == 0:
                    slowest.append((round(ms, 1), urllib.parse.urlencode(p)))
        rss = server.rss_kb() / 1024
    all_ = first + repeat
    return {
        "requests": len(all_),
        "distinct_first": {"p50_ms": round(percentile(first, 50), 1), "p95_ms": round(percentile(first, 95), 1)},
        "repeats": {"p50_ms": round(percentile(repeat, 50), 1), "p95_ms": round(percentile(repeat, 95), 1)},
        "all": {"p50_ms": round(percentile(all_, 50), 1), "p95_ms": round(percentile(all_, 95), 1)},
        "slowest_first": sorted(slowest, reverse=True)[:5],
        "server_rss_mb": round(rss, 1),
        "totals": totals,
    }


# --- main ---------------------------------------------------------------------------------------------------


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _reusable(index_dir: Path, fts_path: Path, n: int) -> bool:
    try:
        return fts_path.exists() and WhooshBackend(index_dir).count() == n
    except Exception:
        return False


def run_size(n: int, work: Path, vocab: Vocabulary, reps: int, http: bool, reuse: bool = False,
             procs: int = 1, postgres_url: str | None = None, whoosh: bool = True) -> dict:
    print(f"\n== {n} documents ==  (load average {load()})")
    queries = query_set(vocab)
    out: dict = {"documents": n, "load_before": load()}
    data_dir = work / f"data-{n}"
    index_dir = work / f"index-{n}"
    fts_path = work / f"fts-{n}.sqlite"
    if not whoosh:
        return run_postgres_only(n, work, vocab, queries, reps, http, reuse, postgres_url or "", out, procs)

    if reuse and _reusable(index_dir, fts_path, n):
        print("  reusing the indexes built by an earlier run")
        out["build_s"] = None
    else:
        shutil.rmtree(index_dir, ignore_errors=True)
        docs = Timed(corpus(n, vocab))
        t = time.perf_counter()
        index = WhooshBackend(index_dir, batch_size=2000)
        index.rebuild(docs, progress=lambda k: print(f"\r  whoosh: {k} docs", end="", flush=True)
                      if k % 10_000 < 2000 else None, procs=procs)
        whoosh_build = time.perf_counter() - t
        print(f"\r  whoosh build {whoosh_build:.1f} s with {procs} process(es) (of which {docs.seconds:.1f} s "
              f"generating documents), index {du(index_dir):.0f} MB, peak RSS of this process "
              f"{max_rss_mb():.0f} MB, of the writer processes {max_rss_mb(children=True):.0f} MB")

        fts_path.unlink(missing_ok=True)
        docs = Timed(corpus(n, vocab))
        t = time.perf_counter()
        build_fts(fts_path, docs)
        fts_build = time.perf_counter() - t
        print(f"  fts5 build {fts_build:.1f} s (of which {docs.seconds:.1f} s generating documents), "
              f"db {fts_path.stat().st_size / 2**20:.0f} MB")
        out["build_s"] = {"whoosh": round(whoosh_build, 1), "whoosh_procs": procs, "fts5": round(fts_build, 1),
                          "generation_s_each": round(docs.seconds, 1), "peak_rss_mb": round(max_rss_mb()),
                          "peak_rss_writer_processes_mb": round(max_rss_mb(children=True))}
    out["size_mb"] = {"whoosh": round(du(index_dir), 1), "fts5": round(fts_path.stat().st_size / 2**20, 1)}

    db = sqlite3.connect(fts_path)
    index = WhooshBackend(index_dir)  # as the server opens it
    engines = {}
    print(f"  timing queries (load average {load()})")
    engines["fts5"] = time_queries(lambda q: fts_bare(db, q), queries, reps)
    engines["fts5_full"] = time_queries(lambda q: fts_full(db, q), queries, reps)
    engines["whoosh_bare"] = time_queries(lambda q: whoosh_bare(index, q), queries, reps)
    index.cache_size = 0
    engines["whoosh_api_cold"] = time_queries(lambda q: whoosh_api(index, q), queries, reps,
                                              before=index.clear_cache)
    engines["whoosh_api_after_upload"] = after_upload(index, queries, reps)
    engines["whoosh_api"] = time_queries(lambda q: whoosh_api(index, q), queries, reps)
    index.cache_size = 512
    engines["whoosh_api_cached"] = time_queries(lambda q: whoosh_api(index, q), queries, reps)
    db.close()
    if postgres_url:
        run_postgres(n, postgres_url, vocab, queries, reps, reuse, out, engines, procs)
    out["engines"] = engines
    base = engines["fts5"]["p95_ms"]
    out["ratio_p95_vs_fts5"] = {k: round(v["p95_ms"] / base, 2) for k, v in engines.items() if k != "fts5"}
    out["load_after_queries"] = load()

    print(f"  {'engine':<18}{'p50 ms':>9}{'p95 ms':>9}{'p95/fts5':>10}")
    for name, e in engines.items():
        print(f"  {name:<18}{e['p50_ms']:>9.1f}{e['p95_ms']:>9.1f}{e['p95_ms'] / base:>10.2f}")
    print("  per query p50 ms (total hits):")
    for q in queries:
        shown = ("fts5", "whoosh_bare", "whoosh_api_cold", "whoosh_api_after_upload", "whoosh_api", "postgres_api_first", "postgres_api")
        row = "  ".join(f"{k}={engines[k]['queries'][q['name']]['p50_ms']:.1f}" for k in shown if k in engines)
        totals = f"fts5 {engines['fts5']['queries'][q['name']]['total']}, " \
                 f"whoosh {engines['whoosh_api']['queries'][q['name']]['total']}"
        if "postgres_api" in engines:
            totals += f", postgres {engines['postgres_api']['queries'][q['name']]['total']}"
        print(f"    {q['name']:<20} {row}   ({totals})")

    if http:
        del index
        prepare_data_dir(data_dir, index_dir)
        print(f"  HTTP /api/v1/search (load average {load()})")
        try:
            out["http"] = bench_http(data_dir, queries)
        finally:
            os.rename(data_dir / "index", index_dir)  # for --reuse
        h = out["http"]
        print(f"  HTTP first requests p50 {h['distinct_first']['p50_ms']} ms, p95 {h['distinct_first']['p95_ms']} ms;"
              f" repeats p50 {h['repeats']['p50_ms']} ms, p95 {h['repeats']['p95_ms']} ms;"
              f" all p95 {h['all']['p95_ms']} ms (target <= 100 ms)")
        print(f"  slowest first requests: {h['slowest_first']}")
    return out


def run_postgres_only(n: int, work: Path, vocab: Vocabulary, queries: list[dict], reps: int, http: bool,
                      reuse: bool, url: str, out: dict, procs: int = 1) -> dict:
    """``--skip-whoosh``: PostgresBackend alone (its figures beside the Whoosh ones of an earlier run)."""
    engines: dict = {}
    run_postgres(n, url, vocab, queries, reps, reuse, out, engines, procs)
    out["engines"] = engines
    print(f"  {'engine':<20}{'p50 ms':>9}{'p95 ms':>9}")
    for name, e in engines.items():
        print(f"  {name:<20}{e['p50_ms']:>9.1f}{e['p95_ms']:>9.1f}")
    print("  per query p50 ms (total hits):")
    for q in queries:
        row = "  ".join(f"{k}={e['queries'][q['name']]['p50_ms']:.1f}" for k, e in engines.items())
        print(f"    {q['name']:<20} {row}   ({engines['postgres_api']['queries'][q['name']]['total']})")
    if http:
        print(f"  HTTP /api/v1/search on PostgreSQL (load average {load()})")
        prepare_postgres_app(url, f"bench_{n}")
        try:
            out["http"] = bench_http(work / f"data-pg-{n}", queries, DATABASE_URL=url, EVIDENCE_REPO_SEARCH="postgres")
        finally:
            release_postgres_app(url, f"bench_{n}")
        h = out["http"]
        print(f"  HTTP first requests p50 {h['distinct_first']['p50_ms']} ms, p95 {h['distinct_first']['p95_ms']} ms;"
              f" repeats p50 {h['repeats']['p50_ms']} ms, p95 {h['repeats']['p95_ms']} ms;"
              f" all p95 {h['all']['p95_ms']} ms (target <= 100 ms); server RSS {h['server_rss_mb']} MB")
        print(f"  slowest first requests: {h['slowest_first']}")
    return out


def du(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one, removed afterwards)")
    parser.add_argument("--reuse", action="store_true", help="reuse indexes an earlier run left in --work")
    parser.add_argument("--procs", type=int, default=min(2, os.cpu_count() or 1),
                        help="processes for each rebuild (WhooshBackend/PostgresBackend.rebuild(procs=...))")
    parser.add_argument("--backend", choices=("whoosh", "postgres"), default="whoosh",
                        help="postgres: also measure PostgresBackend, side by side with Whoosh and FTS5")
    parser.add_argument("--postgres-url", help="an existing server's database (default: a throwaway cluster); "
                        "with --work and --reuse, indexes an earlier run built there (schema bench_<size>) are reused")
    parser.add_argument("--skip-whoosh", action="store_true",
                        help="with --backend postgres: measure PostgreSQL only (HTTP included, against a server "
                        "on that database)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]

    vocab = Vocabulary()
    print(f"vocabulary: {vocab.real} real forms + {len(vocab.tokens) - vocab.real} made-up rare words; "
          f"share of documents containing: " + ", ".join(
              f"{w} {vocab.share_of_docs(w):.0%}" for w in ("transparencia", "informe", "reunión")))
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-search-"))
    report = {"cpus": os.cpu_count(), "python": sys.version.split()[0], "sizes": []}
    cluster, postgres_url = None, args.postgres_url
    if args.backend == "postgres" and not postgres_url:
        cluster, postgres_url = start_postgres()
    try:
        for i, n in enumerate(sizes):
            http = not args.skip_http and i == len(sizes) - 1
            report["sizes"].append(run_size(n, work, vocab, args.reps, http, args.reuse and bool(args.work),
                                            args.procs, postgres_url if args.backend == "postgres" else None,
                                            whoosh=not (args.skip_whoosh and args.backend == "postgres")))
            OUT.parent.mkdir(parents=True, exist_ok=True)
            OUT.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    finally:
        if cluster is not None:
            cluster.stop()
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\nwritten {OUT}")


if __name__ == "__main__":
    main()
