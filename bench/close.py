"""Time closing a round of N ballots on PostgreSQL, best of several runs.

    python bench/close.py                    # 100,000 ballots, best of 3
    python bench/close.py --ballots 20000 --repeat 1 --profile 25

Seeds one fresh database (postgres://postgres@127.0.0.1:5432, trust auth) with a voting round of
20 projects and N ballots, none sealed yet (as bench/load.py --close does), and keeps it as a
template; each run copies the template into a new database and times `close_round` as a whole:
the last seal, the count, the stored result, the secrecy rewrite, the ledger events and the
signed checkpoint. `--profile K` prints the K costliest functions of the last run (cProfile).
Every database is dropped afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from load import PG, REPO, SEED_BALLOTS, SETUP, _env, _psql, manage_py

SEED = (
    SEED_BALLOTS
    + r"""
print(json.dumps({"insert_s": time.perf_counter() - t0}))
"""
)

CLOSE = r"""
import cProfile, io, json, pstats, sys, time
from ballots import services
from django.db import connection
from ballots.models import Ballot
from budgets.models import Round
rid, top, order = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rnd = Round.objects.get(pk=rid)
Ballot.objects.filter(round=rnd).exists()  # connect before the clock starts
profile = cProfile.Profile() if top else None
statements = []

def timed(execute, sql, params, many, context):
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        statements.append((time.perf_counter() - started, " ".join(sql.split())[:150]))

t0 = time.perf_counter()
if profile:
    profile.enable()
with connection.execute_wrapper(timed):
    result = services.close_round(rnd)
if profile:
    profile.disable()
close_s = time.perf_counter() - t0
report = ""
if profile:
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats(order).print_stats(top)
    report = out.getvalue()
    total = sum(t for t, _ in statements)
    report += f"SQL: {len(statements)} statements, {total:.2f} s; the costliest:\n"
    for took, sql in sorted(statements, reverse=True)[:12]:
        report += f"  {took:7.3f} s  {sql}\n"
print(json.dumps({"ballots": Ballot.objects.filter(round=rnd, status="live").count(),
                  "close_s": close_s, "selected": len(result.result_json["selected"]),
                  "ballots_sha256": result.ballots_sha256, "profile": report}))
"""


def _exists(db: str) -> bool:
    out = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-tA",
            "-c",
            f"SELECT 1 FROM pg_database WHERE datname = '{db}'",
            "postgres",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip() == "1"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", type=int, default=0, help="print the K costliest functions")
    parser.add_argument(
        "--keep", metavar="DB", help="seed into DB and keep it (or reuse it if it exists)"
    )
    parser.add_argument("--sort", default="cumulative", help="profile order (e.g. tottime)")
    args = parser.parse_args()

    template = args.keep or f"cc_close_tpl_{os.getpid()}"
    made: list[str] = []
    env = _env(template)
    reuse = args.keep and _exists(template)
    if not reuse:
        _psql(f"CREATE DATABASE {template}")
        if not args.keep:
            made.append(template)
    try:
        # The kept database holds one round, the one seeded.
        if reuse:
            rid = int(
                manage_py(
                    env, "from budgets.models import Round\nprint(Round.objects.latest('pk').pk)"
                )
            )
        else:
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "-v0"], env=env, cwd=REPO, check=True
            )
            rid = json.loads(manage_py(env, SETUP, "1"))["round"]
            print(f"Seeding {args.ballots:,} ballots…", flush=True)
            seeded = json.loads(manage_py(env, SEED, str(rid), str(args.ballots)))
            print(f"  inserted in {seeded['insert_s']:.1f} s", flush=True)
        times = []
        for k in range(args.repeat):
            db = f"cc_close_run_{os.getpid()}_{k}"
            _psql(f"CREATE DATABASE {db} TEMPLATE {template}")
            made.append(db)
            run_env = dict(env, DATABASE_URL=f"{PG}/{db}")
            last = k == args.repeat - 1
            out = json.loads(
                manage_py(run_env, CLOSE, str(rid), str(args.profile if last else 0), args.sort)
            )
            _psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
            made.remove(db)
            times.append(out["close_s"])
            print(
                f"  run {k + 1}: close_round on {out['ballots']:,} ballots: "
                f"{out['close_s']:.2f} s ({out['selected']} projects selected)",
                flush=True,
            )
            if out["profile"]:
                print(out["profile"])
        print(
            f"close_round, {args.ballots:,} ballots: best {min(times):.2f} s of {len(times)} "
            f"(load average {os.getloadavg()[0]:.1f})"
        )
        return 0
    finally:
        time.sleep(0.2)
        for db in reversed(made):
            _psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")


if __name__ == "__main__":
    sys.exit(main())
