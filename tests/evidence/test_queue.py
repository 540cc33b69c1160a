"""One index queue for many workers: each task is done once, and a dead worker's tasks come back after its lease."""
import threading
import time
from collections import Counter

import pytest
from sqlalchemy import select

from evidence_repo.evidence import queue
from evidence_repo.evidence.models import IndexTask
from evidence_repo.services import services
from tests.helpers import upload


class Recording:
    """The real index, noting which documents each worker sent to it."""

    def __init__(self, index, sent: Counter):
        self._index, self.sent = index, sent

    def add(self, docs):
        self.sent.update(d["id"] for d in docs)
        self._index.add(docs)

    def __getattr__(self, name):
        return getattr(self._index, name)


def uploads(client, token, n):
    return [upload(client, token, 3, "minuta", f"Minuta número {i} sobre transparencia") for i in range(n)]


def tasks(session):
    session.expire_all()
    return session.scalars(select(IndexTask).order_by(IndexTask.id)).all()


@pytest.mark.databases("postgres")  # SQLite runs one worker (one writer)
def test_two_workers_drain_one_queue_without_doing_a_task_twice(app, client, staff_token, session):
    ids = uploads(client, staff_token, 12)
    svc = services(app)
    sent: Counter = Counter()
    workers = [svc.new_worker() for _ in range(2)]
    for w in workers:
        w.batch_size = 2  # many small claims, so the two workers interleave
        w.index = Recording(w.index, sent)
    threads = [threading.Thread(target=w.drain) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    for w in workers:
        w.close()
    done = tasks(session)
    assert all(t.done_at is not None for t in done)
    assert {t.claimed_by for t in done} == {w.name for w in workers}  # both worked
    assert sent == Counter(str(i) for i in ids)  # every document indexed exactly once
    assert svc.index().count() == len(ids)


def test_a_dead_workers_tasks_are_claimed_again_after_its_lease(app, client, staff_token, session):
    ids = uploads(client, staff_token, 3)
    with services(app).sessions() as s:
        claimed = queue.claim(s, "killed-worker", 10, lease_seconds=1)
    assert [t.evidence_id for t in claimed] == ids
    survivor = services(app).new_worker()
    survivor.lease_seconds = 1
    try:
        assert survivor.run_once() == 0  # the lease is still live: nobody else may take them
        time.sleep(1.2)
        assert survivor.drain() == 3
    finally:
        survivor.close()
    done = tasks(session)
    assert [t.claimed_by for t in done] == [survivor.name] * 3 and all(t.done_at for t in done)
    assert services(app).index().count() == 3


def test_a_worker_keeps_its_lease_while_it_extracts(app, client, staff_token, session):
    upload(client, staff_token, 3, "minuta", "Minuta larga")
    with services(app).sessions() as s:
        [task] = queue.claim(s, "slow-worker", 10, lease_seconds=0.3)
    with queue.LeaseKeeper(services(app).sessions, "slow-worker", [task.id], lease_seconds=0.3):
        time.sleep(0.8)  # longer than the lease: only the renewals keep it
        with services(app).sessions() as s:
            assert queue.claim(s, "other-worker", 10, lease_seconds=0.3) == []
    time.sleep(0.4)
    with services(app).sessions() as s:
        assert [t.id for t in queue.claim(s, "other-worker", 10, lease_seconds=0.3)] == [task.id]


def test_tasks_of_one_evidence_are_never_held_by_two_workers(app, client, staff_token, session):
    """A newer task of the same evidence waits for the older one: the index never gets an older state last."""
    [first] = uploads(client, staff_token, 1)
    with services(app).sessions() as s:
        assert len(queue.claim(s, "worker-a", 10)) == 1
    with services(app).sessions() as s:
        s.add(IndexTask(evidence_id=first))
        s.commit()
        assert queue.claim(s, "worker-b", 10) == []
        assert len(queue.claim(s, "worker-a", 10)) == 2  # its own claim again, with the newer task
