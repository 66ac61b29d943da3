"""Appends from many connections at once never fork the chain (on real PostgreSQL)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from django.db import connection, connections, transaction

import audit
from audit.models import Event
from audit.verify import scan_ledger
from audit.views import ledger_lines

THREADS = 8
APPENDS_EACH = 25


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_threads_appending_at_once_leave_one_unbroken_chain(tmp_path: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): SQLite serialises all writers anyway")
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            start.wait()
            for k in range(APPENDS_EACH):
                with transaction.atomic():
                    audit.record(
                        "proposal.edited",
                        ward="sparkbrook",
                        round=1,
                        actor=audit.Actor("councillor", f"thread{n:02d}"),
                        payload={"thread": n, "k": k},
                    )
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors

    total = THREADS * APPENDS_EACH
    assert list(Event.objects.order_by("seq").values_list("seq", flat=True)) == list(
        range(1, total + 1)
    )
    path = tmp_path / "ledger.jsonl"
    path.write_bytes(b"".join(ledger_lines(Event.objects.all())))
    scan = scan_ledger(str(path), label=path.name)  # raises on any fork, gap or broken link
    assert scan.events == total
    assert scan.last_seq == total
