"""Ingestion benchmark (issue: evidence ingestion). Prints:

1. docs/s for N generated mixed documents (PDF, DOCX, PPTX, XLSX, PNG/JPEG with OCR), and the ratio of the
   total ingest time (store + database + extraction + index) to the bare extraction time of the same files,
   measured in the same run with the same extractor (target ≤ 1.3);
2. upload-to-searchable latency of a 20-page PDF through the running server (target ≤ 2 s);
3. the server's resident-memory growth while a 500 MB file is uploaded (target < 64 MB);
4. with 4 concurrent uploaders × 250 files: errors (target 0), files missing from the index afterwards
   (target 0) and the p95 time from upload start until the file is searchable (target ≤ 5 s).

5. with ``--database postgres``: throughput with 1, 2 and 4 ``evidence-repo worker`` processes draining one
   queue (target: near-linear until the cores run out).

Usage: .venv/bin/python bench/ingest.py [--docs 1000] [--skip-big] [--database postgres [--workers 1,2,4]]
"""
from __future__ import annotations

import argparse
import json
import random
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _common import ROOT, RssSampler, percentile, running_server, upload  # noqa: I001
from corpus import make_corpus, make_document, make_long_pdf

from evidence_repo import create_app
from evidence_repo.bootstrap import prepare
from evidence_repo.evidence.operations import EvidenceInput, add_evidence
from evidence_repo.services import services
from indexer import PUBLIC_ONLY
from indexer.extract import ExtractorPool
from indexer.whoosh import WhooshBackend

MEANS = ["Convocatoria", "Lista de asistencia", "Memoria fotográfica", "Minuta", "Informe final"]


def bench_throughput(work: Path, n: int) -> dict:
    corpus_dir = work / "corpus"
    t = time.perf_counter()
    files = make_corpus(corpus_dir, n)
    print(f"  generated {n} documents in {time.perf_counter() - t:.1f} s")

    app = create_app({"DATA_DIR": work / "data-throughput"})
    prepare(app)
    svc = services(app)
    limits = svc.limits

    with ExtractorPool(limits.workers, timeout=limits.timeout, memory_mb=limits.memory_mb) as pool:
        t = time.perf_counter()
        with ThreadPoolExecutor(limits.workers) as threads:
            results = list(threads.map(pool.extract, files))
        bare = time.perf_counter() - t
    statuses: dict[str, int] = {}
    for r in results:
        statuses[str(r.status)] = statuses.get(str(r.status), 0) + 1

    rng = random.Random(3)
    store = svc.blobs
    worker = svc.new_worker()
    t = time.perf_counter()
    thread = worker.start()  # as in `serve`: the worker drains while files keep arriving
    with svc.sessions() as session:
        for path in files:
            with open(path, "rb") as fh:
                add_evidence(session, store, fh, path.name,
                             EvidenceInput(milestone=rng.randint(1, 11), means=rng.choice(MEANS)), None)
            session.commit()
            worker.wake.set()
    adding = time.perf_counter() - t
    worker.stop.set()
    worker.wake.set()
    thread.join()
    worker.drain()
    total = time.perf_counter() - t
    worker.close()
    indexed = worker.index.count()
    breakdown = {k: round(v, 2) for k, v in worker.timings.items()}
    return {"docs": n, "statuses": statuses, "bare_extraction_s": round(bare, 2), "ingest_s": round(total, 2),
            "adding_s": round(adding, 2), "worker_s": breakdown,
            "docs_per_s": round(n / total, 1), "ratio": round(total / bare, 3), "indexed": indexed}


def bench_latency(work: Path) -> dict:
    data = work / "data-latency"
    data.mkdir()
    with running_server(data) as (server, token):
        index = WhooshBackend(data / "index")
        samples_s = []
        for i in range(5):
            path = work / f"informe-{i}.pdf"
            make_long_pdf(path, f"latencia{i}marca", seed=100 + i)
            t = time.perf_counter()
            status, body = upload(server, token, path, {"milestone": "3", "means": "Informe final"})
            assert status == 201, body
            while str(body["id"]) not in index.doc_ids():
                if time.perf_counter() - t > 60:
                    raise RuntimeError("not searchable after 60 s")
                time.sleep(0.02)
            hits = index.search(f"latencia{i}marca", visibility=PUBLIC_ONLY).total
            samples_s.append(time.perf_counter() - t)
            assert hits == 1
    return {"pdf_pages": 20, "runs": len(samples_s), "median_s": round(sorted(samples_s)[2], 3),
            "max_s": round(max(samples_s), 3)}


def bench_big_upload(work: Path, mb: int = 500) -> dict:
    data = work / "data-big"
    data.mkdir()
    big = work / "padron-grande.csv"
    line = ("folio,nombre,municipio,monto,apoyo otorgado a organizaciones de la sociedad civil\n" * 64).encode()
    with open(big, "wb") as fh:
        written = 0
        while written < mb * 1024 * 1024:
            fh.write(line)
            written += len(line)
    with running_server(data, EVIDENCE_REPO_MAX_UPLOAD_MB=mb + 100) as (server, token):
        time.sleep(1)
        sampler = RssSampler(server)
        sampler.start()
        t = time.perf_counter()
        status, body = upload(server, token, big, {"milestone": "6", "means": "Minuta"})
        elapsed = time.perf_counter() - t
        sampler.stop()
    big.unlink()
    return {"size_mb": round(written / 1024 / 1024), "status": status, "upload_s": round(elapsed, 1),
            "rss_baseline_mb": round(sampler.baseline_kb / 1024, 1), "rss_peak_mb": round(sampler.peak_kb / 1024, 1),
            "growth_mb": round((sampler.peak_kb - sampler.baseline_kb) / 1024, 1)}


def bench_concurrent(work: Path, uploaders: int = 4, per_uploader: int = 250) -> dict:
    data = work / "data-concurrent"
    data.mkdir()
    folder = work / "concurrent"
    folder.mkdir()
    rng = random.Random(5)
    kinds = ["txt", "pdf", "docx", "txt", "pdf", "xlsx"]
    files = [make_document(folder, 10_000 + i, kinds[i % len(kinds)], rng) for i in range(uploaders * per_uploader)]
    errors: list[str] = []
    started: dict[str, float] = {}
    seen: dict[str, float] = {}
    lock = threading.Lock()
    with running_server(data) as (server, token):
        index = WhooshBackend(data / "index")
        stop = threading.Event()
        ids: set[str] = set()
        poller = threading.Thread(target=lambda: poll(index, ids, seen, stop, lock), daemon=True)
        poller.start()

        def uploader(chunk: list[Path]):
            for path in chunk:
                t = time.perf_counter()
                try:
                    status, body = upload(server, token, path, {"milestone": str(rng.randint(1, 11)), "means": "Minuta"})
                except OSError as exc:
                    errors.append(f"{path.name}: {exc}")
                    continue
                if status != 201:
                    errors.append(f"{path.name}: {status} {body}")
                    continue
                with lock:
                    started[str(body["id"])] = t
                    ids.add(str(body["id"]))

        t0 = time.perf_counter()
        with ThreadPoolExecutor(uploaders) as pool:
            list(pool.map(uploader, [files[i::uploaders] for i in range(uploaders)]))
        upload_s = time.perf_counter() - t0
        deadline = time.perf_counter() + 300
        while len(seen) < len(started) and time.perf_counter() < deadline:
            time.sleep(0.2)
        stop.set()
        poller.join()
        final = index.doc_ids()
    missing = [i for i in started if i not in final]
    latencies = [seen[i] - started[i] for i in started if i in seen]
    return {"uploads": len(files), "errors": len(errors), "error_samples": errors[:5], "missing_from_index": len(missing),
            "upload_phase_s": round(upload_s, 1), "p50_searchable_s": round(percentile(latencies, 50), 2),
            "p95_searchable_s": round(percentile(latencies, 95), 2), "max_searchable_s": round(max(latencies), 2)}


def poll(index: WhooshBackend, ids: set[str], seen: dict[str, float], stop: threading.Event, lock) -> None:
    while not stop.is_set():
        present = index.doc_ids()
        now = time.perf_counter()
        with lock:
            for doc_id in ids & present:
                seen.setdefault(doc_id, now)
        time.sleep(0.05)


def bench_workers(work: Path, n: int, database: str, counts: list[int]) -> dict:
    """Ingest throughput with 1, 2, 4… `evidence-repo worker` processes draining one queue (one extraction child
    each, so the processes are the only parallelism). SQLite runs a single worker; PostgreSQL any number."""
    import os
    import subprocess

    from _common import BIN
    from sqlalchemy import func, select

    from evidence_repo.evidence.models import IndexTask

    files = make_corpus(work / "corpus-workers", n, kinds=["pdf", "docx", "xlsx", "pptx"])
    cluster = None
    if database == "postgres":
        from tests.postgres import Cluster

        cluster = Cluster().start()
    out: dict = {"docs": n, "database": database, "cpus": os.cpu_count(), "runs": {}}
    try:
        for count in counts if database == "postgres" else [1]:
            data = work / f"data-workers-{count}"
            url = cluster.create_database(f"bench{count}") if cluster else f"sqlite:///{data / 'evidence.db'}"
            app = create_app({"DATA_DIR": data, "DATABASE_URL": url})
            prepare(app)
            svc = services(app)
            rng = random.Random(5)
            with svc.sessions() as session:
                for path in files:
                    with open(path, "rb") as fh:
                        add_evidence(session, svc.blobs, fh, path.name,
                                     EvidenceInput(milestone=rng.randint(1, 11), means=rng.choice(MEANS)), None)
                session.commit()
            env = {**os.environ, "DATABASE_URL": url, "EVIDENCE_REPO_DATA": str(data),
                   "EVIDENCE_REPO_EXTRACT_WORKERS": "1"}
            t = time.perf_counter()
            procs = [subprocess.Popen([str(BIN / "evidence-repo"), "worker", "--poll", "0.1"], env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(count)]
            while True:
                with svc.sessions() as session:
                    pending = session.scalar(select(func.count()).select_from(IndexTask)
                                             .where(IndexTask.done_at.is_(None)))
                if not pending:
                    break
                time.sleep(0.1)
            wall = time.perf_counter() - t
            with svc.sessions() as session:  # from the first claim to the last task done: start-up not counted
                first, last = session.execute(select(func.min(IndexTask.claimed_at), func.max(IndexTask.done_at))).one()
            elapsed = (last - first).total_seconds()
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(30)
            svc.close()
            load = " ".join(f"{x:.1f}" for x in os.getloadavg())
            out["runs"][count] = {"seconds": round(elapsed, 2), "docs_per_s": round(n / elapsed, 2),
                                  "wall_with_start_up_s": round(wall, 2), "load_average": load}
            print(f"  {count} worker(s): {n} docs in {elapsed:.1f} s ({n / elapsed:.2f} docs/s; "
                  f"{os.cpu_count()} cores, load average {load})", flush=True)
    finally:
        if cluster:
            cluster.stop()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--skip-big", action="store_true", help="skip the 500 MB upload")
    parser.add_argument("--only", choices=["throughput", "latency", "big", "concurrent", "workers"])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default=None,
                        help="also measure throughput with several worker processes on this database "
                             "(postgres: a throwaway server started here)")
    parser.add_argument("--workers", default="1,2,4", help="worker process counts for --database")
    parser.add_argument("--worker-docs", type=int, default=120, help="documents for the worker runs")
    args = parser.parse_args()
    out: dict = {}
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        work = Path(tmp)
        steps = [("throughput", lambda: bench_throughput(work, args.docs)), ("latency", lambda: bench_latency(work)),
                 ("big", lambda: bench_big_upload(work)), ("concurrent", lambda: bench_concurrent(work))]
        if args.database:
            counts = [int(c) for c in args.workers.split(",")]
            steps.append(("workers", lambda: bench_workers(work, args.worker_docs, args.database, counts)))
        for name, step in steps:
            if (args.only and name != args.only) or (name == "big" and args.skip_big):
                continue
            print(f"[{name}] running…", flush=True)
            out[name] = step()
            print(f"[{name}] {json.dumps(out[name], ensure_ascii=False)}", flush=True)
    if "throughput" in out:
        r = out["throughput"]
        print(f"\nthroughput: {r['docs_per_s']} docs/s; ingest/extraction ratio {r['ratio']} (target ≤ 1.3)")
    if "latency" in out:
        print(f"20-page PDF upload-to-searchable: median {out['latency']['median_s']} s, "
              f"max {out['latency']['max_s']} s (target ≤ 2 s)")
    if "big" in out:
        print(f"500 MB upload: server RSS growth {out['big']['growth_mb']} MB (target < 64 MB), status {out['big']['status']}")
    if "concurrent" in out:
        c = out["concurrent"]
        print(f"4 uploaders × 250: errors {c['errors']} (target 0), missing from index {c['missing_from_index']} "
              f"(target 0), p95 upload-to-searchable {c['p95_searchable_s']} s (target ≤ 5 s)")
    if "workers" in out:
        w = out["workers"]
        print(f"{w['database']}, {w['docs']} documents, {w['cpus']} cores: " + ", ".join(
            f"{k} worker(s) {r['docs_per_s']} docs/s" for k, r in w["runs"].items()))
    results = ROOT / "bench" / "out"
    results.mkdir(exist_ok=True)
    (results / "ingest.json").write_text(json.dumps(out, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
