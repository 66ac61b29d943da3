"""Bounded load test of ballot submission, on loopback only.

Starts gunicorn (2 workers) against a fresh PostgreSQL database, sets up a voting round with
voting codes, then drives two endpoints from an asyncio HTTP/1.1 keep-alive client in the same
run: a bare one-row-insert Django endpoint (the yardstick) and POST /api/v1/rounds/<id>/ballots/.
It reports requests/s, p50/p95/p99 latency and errors, checks that the counted ballots equal the
distinct codes used, and (with --close N) times closing a round of N ballots end to end.

    python bench/load.py                       # 4,000 ballots over 16 connections
    python bench/load.py --requests 10000 --connections 16 --close 100000

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth), as on the CI machines.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PG = "postgres://postgres@127.0.0.1:5432"


def _env(db: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": f"{PG}/{db}",
            "DEBUG": "0",
            "SECRET_KEY": "bench-" + secrets.token_urlsafe(48),
            "VOTING_CODE_KEY": "bench:" + secrets.token_urlsafe(48),
            "LOCAL_SETTINGS_FILE": "",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_COOKIES": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CONN_MAX_AGE": "600",
            "BENCH_ENDPOINTS": "1",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "AUDIT_SIGNING_KEY": _bench_signing_key(),
        }
    )
    return env


def _bench_signing_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


def _psql(sql: str) -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", sql, "postgres"],
        check=True,
        capture_output=True,
    )


SETUP = r"""
import json, sys
from django.db import connection
from wards.models import Ward
from budgets.models import Round, Proposal
from ballots import services
with connection.cursor() as c:
    c.execute("CREATE TABLE IF NOT EXISTS bench_ping (id bigserial primary key, body text)")
ward, _ = Ward.objects.get_or_create(
    slug="bench", defaults={"name": "Bench", "chest_pence": 10_000_000})
rnd = Round.objects.create(ward=ward, title="Load test", budget_pence=10_000_000, phase="voting",
                           seal_batch_size=25)
ids = []
for i in range(20):
    cost = 250_000 + 150_000 * i
    p = Proposal.objects.create(round=rnd, title=f"Project {i}", summary="s", description="d",
                                estimated_cost_pence=cost, cost_pence=cost, status="feasible")
    ids.append(p.pk)
codes = services.issue_codes(rnd, int(sys.argv[1]))
json.dump({"round": rnd.pk, "projects": ids, "codes": codes}, sys.stdout)
"""

COUNT = r"""
import json, sys
from ballots.models import Ballot, Voter
rid = int(sys.argv[1])
print(json.dumps({"live": Ballot.objects.filter(round_id=rid, status="live").count(),
                  "voters": Voter.objects.filter(round_id=rid).count()}))
"""

# Seeds N ballots into round argv[1] (argv[2] = N), none sealed, as the load run leaves them.
SEED_BALLOTS = r"""
import json, random, sys, time
from django.db import transaction
from ballots import codes, services
from ballots.demo import random_selection
from ballots.models import Ballot, Voter
from budgets.models import Round
from audit.canonical import ballot_commitment
rid, n = int(sys.argv[1]), int(sys.argv[2])
rnd = Round.objects.get(pk=rid)
projects = services.ballot_projects(rnd)
rng = random.Random(7)
pop = {p.pk: rng.paretovariate(1.3) for p in projects}
t0 = time.perf_counter()
batch = 5000
for start in range(0, n, batch):
    with transaction.atomic():
        size = min(batch, n - start)
        voters = Voter.objects.bulk_create(
            [Voter(round=rnd, key=f"bench-{start + i}", channel="online") for i in range(size)])
        rows = []
        for v in voters:
            sel = sorted(str(x) for x in random_selection(rnd, projects, rng, pop))
            receipt = codes.new_receipt()
            rows.append(Ballot(round=rnd, voter=v, receipt=receipt, channel="online", selection=sel,
                               commitment=ballot_commitment(receipt, "approval", sel)))
        Ballot.objects.bulk_create(rows)
"""

CLOSE = (
    SEED_BALLOTS
    + r"""
insert_s = time.perf_counter() - t0
t0 = time.perf_counter()
result = services.close_round(rnd)
close_s = time.perf_counter() - t0
print(json.dumps({"ballots": Ballot.objects.filter(round=rnd, status="live").count(),
                  "insert_s": insert_s, "close_s": close_s,
                  "selected": len(result.result_json["selected"])}))
"""
)


def manage_py(env: dict[str, str], code: str, *args: str, repo: Path = REPO) -> str:
    """Run `code` under Django with `repo`'s code (bench/close.py passes an earlier checkout)."""
    out = subprocess.run(
        [sys.executable, "-c", "import django,sys;django.setup();exec(sys.stdin.read())", *args],
        input=code,
        env=env,
        cwd=repo,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(f"bench step failed:\n{out.stderr[-3000:]}")
    return out.stdout


async def _worker(
    port: int, jobs: asyncio.Queue[tuple[str, bytes]], latencies: list[float], errors: list[str]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while True:
            try:
                path, body = jobs.get_nowait()
            except asyncio.QueueEmpty:
                return
            request = (
                f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
            ).encode() + body
            started = time.perf_counter()
            writer.write(request)
            await writer.drain()
            status_line = await reader.readline()
            length = 0
            closing = False
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value.strip())
                if name.lower() == "connection" and value.strip().lower() == "close":
                    closing = True
            payload = await reader.readexactly(length) if length else b""
            latencies.append(time.perf_counter() - started)
            status = int(status_line.split()[1]) if status_line else 0
            if status not in (200, 201):
                errors.append(f"{status} {payload[:200]!r}")
            if closing:
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
    finally:
        writer.close()


async def drive(port: int, requests: list[tuple[str, bytes]], connections: int) -> dict[str, float]:
    queue: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
    for item in requests:
        queue.put_nowait(item)
    latencies: list[float] = []
    errors: list[str] = []
    started = time.perf_counter()
    await asyncio.gather(*(_worker(port, queue, latencies, errors) for _ in range(connections)))
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000

    if errors:
        print(f"  first errors: {errors[:3]}", file=sys.stderr)
    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "rate": len(latencies) / elapsed,
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "mean_ms": statistics.fmean(latencies) * 1000 if latencies else 0.0,
        "errors": len(errors),
    }


def wait_for(port: int, timeout: float = 30) -> None:
    import socket

    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not start on port {port}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=4000, help="ballot submissions to send")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--repeat-share", type=float, default=0.1, help="share of replacements")
    parser.add_argument("--close", type=int, default=0, help="also time closing N ballots")
    args = parser.parse_args()

    db = f"cc_bench_{os.getpid()}"
    _psql(f"CREATE DATABASE {db}")
    env = _env(db)
    server = None
    try:
        print(f"Migrating a fresh database {db}…", flush=True)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"], env=env, cwd=REPO, check=True
        )
        distinct = int(args.requests * (1 - args.repeat_share))
        setup = json.loads(manage_py(env, SETUP, str(distinct)))
        rid, ids, codes = setup["round"], setup["projects"], setup["codes"]
        rng = random.Random(1)
        bodies = []
        used = list(codes)
        used += [rng.choice(codes) for _ in range(args.requests - distinct)]
        rng.shuffle(used)
        for code in used:
            # Knapsack ballots: at most 3 of the 20 projects always fit the £100,000 budget.
            chosen = rng.sample(ids, rng.randint(1, 3))
            bodies.append(
                (
                    f"/api/v1/rounds/{rid}/ballots/",
                    json.dumps(
                        {"code": code, "projects": chosen, "basis": "live", "age_confirmed": True}
                    ).encode(),
                )
            )
        print(
            f"Starting gunicorn with {args.workers} workers on 127.0.0.1:{args.port}…", flush=True
        )
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "-w",
                str(args.workers),
                "-b",
                f"127.0.0.1:{args.port}",
                "--log-level",
                "warning",
                "--keep-alive",
                "30",
            ],
            env=env,
            cwd=REPO,
        )
        wait_for(args.port)
        # Warm up both endpoints (imports, connections) before measuring.
        asyncio.run(drive(args.port, [("/bench/insert", b"warm")] * 64, args.connections))
        bare = asyncio.run(
            drive(args.port, [("/bench/insert", b"x" * 60)] * args.requests, args.connections)
        )
        ballots = asyncio.run(drive(args.port, bodies, args.connections))
        counts = json.loads(manage_py(env, COUNT, str(rid)))
        print()
        print(
            f"{'endpoint':<34} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}"
        )
        for name, r in (("bare one-row insert", bare), ("POST .../ballots/", ballots)):
            print(
                f"{name:<34} {r['rate']:>8.0f} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} "
                f"{r['p99_ms']:>8.1f} {r['errors']:>7}"
            )
        print(f"\nballots/s as a share of the bare insert: {ballots['rate'] / bare['rate']:.0%}")
        ok = counts["live"] == len(set(used)) == counts["voters"]
        print(
            f"counted ballots {counts['live']}, register rows {counts['voters']}, distinct codes "
            f"used {len(set(used))}: {'OK' if ok else 'MISMATCH'}"
        )
        if args.close:
            server.terminate()
            server.wait(timeout=30)
            server = None
            other = json.loads(manage_py(env, SETUP, "1"))
            print(f"\nInserting {args.close:,} ballots and closing the round…", flush=True)
            closed = json.loads(manage_py(env, CLOSE, str(other["round"]), str(args.close)))
            print(
                f"close_round on {closed['ballots']:,} ballots: {closed['close_s']:.2f} s "
                "end to end "
                f"(insert took {closed['insert_s']:.1f} s)"
            )
        return 0 if ok and ballots["errors"] == 0 else 1
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        _psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")


if __name__ == "__main__":
    sys.exit(main())
