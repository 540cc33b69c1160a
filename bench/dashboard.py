"""Compliance benchmark: p50/p95 of the dashboard, plan page, a milestone page, the compliance API and the CSV, over
HTTP against the running app (`evidence-repo serve`), cold and warm, plus the SQL query count of each page.

* cold: the first request after a write. Before each one the benchmark appends an audit record from its own
  process, as every change to evidence or the plan does, so the server's result cache no longer applies and the
  page is computed from the database (this is also what another web process sees after a write);
* warm: the same page again, with nothing written in between (served from the result cache).

Besides wall-clock percentiles it prints the server's CPU time per request (from /proc), which stays comparable
when other programs share the machine.

Usage: .venv/bin/python bench/dashboard.py [--evidence 50000] [--commitments 20] [--requests 200] [--cold 30]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from _common import ROOT, percentile, running_server  # noqa: I001
from flask import Flask
from sqlalchemy import event, insert, select

from evidence_repo import create_app
from evidence_repo.audit import record
from evidence_repo.bootstrap import prepare
from evidence_repo.evidence.models import Evidence, EvidenceFile, EvidenceReview
from evidence_repo.plan.models import Commitment, Milestone, VerificationMeans
from evidence_repo.services import services


def seed_commitments(app: Flask, commitments: int) -> list[int]:
    """The commitments to spread evidence over; their ids. The seed plan brings one (11 milestones); the others
    (10 milestones of two sessions each) come in a second plan imported the way staff import one, so 20
    commitments make the issue's 200 milestones."""
    if commitments > 1:
        from evidence_repo.plan.document import parse_plan
        from evidence_repo.plan.importing import import_plan

        means = [{"means": "Convocatoria"}, {"means": "Lista de asistencia"}, {"means": "Minuta"},
                 {"means": "Informe final", "scope": "milestone"}]
        document = parse_plan({
            "format": "evidence-repo/plan@2",
            "plan": {"slug": "programas-sociales-bench", "title": "Programas sociales (benchmark)"},
            "verification_means": [{"name": n} for n in ("Convocatoria", "Lista de asistencia", "Minuta",
                                                          "Informe final")],
            "commitments": [{
                "slug": f"programa-{c:02d}", "title": f"Programa social {c}",
                "milestones": [{
                    "number": n, "objective": f"Meta {n} del programa {c}", "requirements": means,
                    "activities": [{"name": f"Sesión {k}", "date": f"2026-{1 + (n % 12):02d}-{10 + k:02d}"}
                                   for k in (1, 2)],
                } for n in range(1, 11)],
            } for c in range(2, commitments + 1)],
        })
        with services(app).sessions() as s:
            import_plan(s, document, reason="benchmark")
            s.commit()
    with services(app).sessions() as s:
        return list(s.scalars(select(Commitment.id).order_by(Commitment.id)))


def pages(app: Flask, commitment_ids: list[int]) -> list[str]:
    """The pages measured: the portfolio, and the last commitment's matrix, milestone page and compliance API."""
    with services(app).sessions() as s:
        slug = s.scalar(select(Commitment.slug).where(Commitment.id == commitment_ids[-1]))
    c = f"/compromisos/{slug}"
    return ["/cumplimiento", f"{c}/cumplimiento", c, f"{c}/metas/3", f"/api/v1/commitments/{slug}/compliance",
            "/api/v1/compliance", "/cumplimiento.csv"]


def seed(data: Path, n: int, commitments: int = 1) -> tuple[Flask, list[str]]:
    """A migrated, seeded data folder with ``n`` evidence rows (10 % restricted, one in five reviewed) spread over
    every milestone of the commitments."""
    app = create_app({"DATA_DIR": data})
    prepare(app)
    ids = seed_commitments(app, commitments)
    with services(app).sessions() as s:
        milestones = s.scalars(select(Milestone.id).where(Milestone.commitment_id.in_(ids))
                               .order_by(Milestone.id)).all()
        means = s.scalars(select(VerificationMeans.id)).all()
        now = dt.datetime.now(dt.UTC)
        s.execute(insert(Evidence), [
            {"id": i, "milestone_id": milestones[i % len(milestones)], "means_id": means[(i * 7) % len(means)],
             "title": f"evidencia {i}", "visibility": "restricted" if i % 10 == 0 else "public",
             "created_at": now - dt.timedelta(days=i % 700), "updated_at": now} for i in range(1, n + 1)])
        s.execute(insert(EvidenceFile), [
            {"evidence_id": i, "version": 1, "sha256": f"{i:064x}", "size": 1000, "mime_type": "application/pdf",
             "original_name": f"e{i}.pdf", "uploaded_at": now, "text_status": "extracted"} for i in range(1, n + 1)])
        s.execute(insert(EvidenceReview), [
            {"evidence_id": i, "file_version": 1, "state": "observada" if i % 3 else "validada",
             "comment": "falta firma" if i % 3 else None, "at": now} for i in range(1, n + 1, 5)])
        s.commit()
    return app, pages(app, ids)


def query_counts(app: Flask, paths: list[str]) -> dict[str, dict[str, int]]:
    """SQL statements per page, in process: cold (result cache emptied) and warm (asked again)."""
    counts: dict[str, dict[str, int]] = {}
    engine = services(app).engine
    client = app.test_client()
    for path in paths:
        counts[path] = {}
        services(app).compliance.clear()
        for mode in ("cold", "warm"):
            statements: list[str] = []
            listener = lambda *args, seen=statements: seen.append(args[2])  # noqa: E731
            event.listen(engine, "before_cursor_execute", listener)
            client.get(path)
            event.remove(engine, "before_cursor_execute", listener)
            counts[path][mode] = len(statements)
    return counts


def toucher(app: Flask) -> Callable[[], None]:
    """A write as another process makes it: one audit record, committed (it moves the data generation)."""
    def touch() -> None:
        with services(app).sessions() as s:
            record(s, None, "bench.touch", "bench", None)
            s.commit()
    return touch


def timed(url: str) -> float:
    t = time.perf_counter()
    urllib.request.urlopen(url, timeout=60).read()
    return (time.perf_counter() - t) * 1000


def cpu_ms(pid: int) -> float:
    """CPU time the process has used so far (user + system), in ms: unlike wall time it does not grow when other
    programs share the cores, so per-request CPU compares runs made on a busy machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def summary(times: list[float]) -> dict[str, float]:
    return {"p50_ms": round(percentile(times, 50), 1), "p95_ms": round(percentile(times, 95), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--evidence", type=int, default=50_000)
    parser.add_argument("--commitments", type=int, default=20, help="commitments (the seed's and 10-milestone ones)")
    parser.add_argument("--requests", type=int, default=200, help="warm requests per page")
    parser.add_argument("--cold", type=int, default=30, help="cold requests per page (one write before each)")
    args = parser.parse_args()
    out: dict = {"evidence": args.evidence, "commitments": args.commitments, "pages": {}}
    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as tmp:
        data = Path(tmp) / "data"
        app, paths = seed(data, args.evidence, args.commitments)
        queries = query_counts(app, paths)
        touch = toucher(app)
        with running_server(data) as (server, _token):
            for path in paths:
                url = server.url + path
                timed(url)  # the server's first request of this page (templates, imports)
                cold = []
                cpu = cpu_ms(server.proc.pid)
                for _ in range(args.cold):
                    touch()
                    cold.append(timed(url))
                cold_cpu = (cpu_ms(server.proc.pid) - cpu) / args.cold
                timed(url)
                cpu = cpu_ms(server.proc.pid)
                warm = [timed(url) for _ in range(args.requests)]
                warm_cpu = (cpu_ms(server.proc.pid) - cpu) / args.requests
                page = {"sql_queries": queries[path], "cold": {**summary(cold), "server_cpu_ms": round(cold_cpu, 1)},
                        "warm": {**summary(warm), "server_cpu_ms": round(warm_cpu, 1)}}
                out["pages"][path] = page
                print(f"{path:22} queries cold={queries[path]['cold']:2} warm={queries[path]['warm']:2}  "
                      f"cold p50={page['cold']['p50_ms']:7.1f} p95={page['cold']['p95_ms']:7.1f} ms "
                      f"cpu={cold_cpu:6.1f} ms  "
                      f"warm p50={page['warm']['p50_ms']:6.1f} p95={page['warm']['p95_ms']:6.1f} ms "
                      f"cpu={warm_cpu:5.1f} ms", flush=True)
        services(app).close()
    (ROOT / "bench" / "out").mkdir(exist_ok=True)
    name = f"dashboard-{args.evidence}.json"
    (ROOT / "bench" / "out" / name).write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
