"""Compliance benchmark: p50/p95 of the dashboard, plan page and compliance API at 10,000 evidence rows,
over HTTP against the running app (`evidence-repo serve`), plus the SQL query count of each page.

Usage: .venv/bin/python bench/dashboard.py [--evidence 10000] [--requests 200]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
import urllib.request
from pathlib import Path

from _common import ROOT, percentile, running_server  # noqa: I001
from sqlalchemy import event, insert, select

from evidence_repo import create_app
from evidence_repo.bootstrap import prepare
from evidence_repo.evidence.models import Evidence, EvidenceFile, EvidenceReview
from evidence_repo.plan.models import Milestone, VerificationMeans
from evidence_repo.services import services

PATHS = ["/cumplimiento", "/plan", "/api/v1/compliance", "/metas/3", "/cumplimiento.csv"]


def seed(data: Path, n: int) -> dict[str, int]:
    app = create_app({"DATA_DIR": data})
    prepare(app)
    with services(app).sessions() as s:
        milestones = s.scalars(select(Milestone.id)).all()
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
    counts = {}
    engine = services(app).engine
    client = app.test_client()
    for path in PATHS:
        statements: list[str] = []
        listener = lambda *args, seen=statements: seen.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        client.get(path)
        event.remove(engine, "before_cursor_execute", listener)
        counts[path] = len(statements)
    engine.dispose()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--evidence", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    out = {"evidence": args.evidence, "pages": {}}
    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as tmp:
        data = Path(tmp) / "data"
        queries = seed(data, args.evidence)
        with running_server(data) as (server, _token):
            for path in PATHS:
                urllib.request.urlopen(server.url + path).read()
                times = []
                for _ in range(args.requests):
                    t = time.perf_counter()
                    urllib.request.urlopen(server.url + path, timeout=30).read()
                    times.append((time.perf_counter() - t) * 1000)
                out["pages"][path] = {"sql_queries": queries[path], "p50_ms": round(percentile(times, 50), 1),
                                      "p95_ms": round(percentile(times, 95), 1)}
                print(f"{path:22} queries={queries[path]:2}  p50={out['pages'][path]['p50_ms']:7.1f} ms  "
                      f"p95={out['pages'][path]['p95_ms']:7.1f} ms", flush=True)
    (ROOT / "bench" / "out").mkdir(exist_ok=True)
    (ROOT / "bench" / "out" / "dashboard.json").write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
