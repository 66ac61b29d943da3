"""Time closing a round of N ballots on PostgreSQL, best of several runs.

    python bench/close.py                    # 100,000 ballots, best of 3
    python bench/close.py --ballots 20000 --repeat 1 --profile 25
    python bench/close.py --repeat 3 --before /tmp/before   # an earlier checkout, alternated

Seeds one fresh database (postgres://postgres@127.0.0.1:5432, trust auth) with a voting round of
20 projects and N ballots, none sealed yet (as bench/load.py --close does), and keeps it as a
template; each run copies the template into a new database and times `close_round` as a whole:
the last seal, the count, the stored result, the secrecy rewrite, the ledger events and the
signed checkpoint. `--profile K` prints the K costliest functions of the last run (cProfile).
`--before CHECKOUT` seeds a second template with that checkout's code and migrations and
alternates the two run by run, so a busy machine slows both alike. Every database is dropped
afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from load import PG, REPO, SEED_BALLOTS, SETUP, _env, _psql, manage_py

SEED = (
    SEED_BALLOTS
    + r"""
print(json.dumps({"insert_s": time.perf_counter() - t0}))
"""
)

CLOSE = r"""
import cProfile, io, json, os, pstats, sys, time
from ballots import services
from django.db import connection
from ballots.models import Ballot
from budgets.models import Round
rid, top, order = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rnd = Round.objects.get(pk=rid)
Ballot.objects.filter(round=rnd).exists()  # connect before the clock starts
with connection.cursor() as cursor:
    cursor.execute("SELECT pg_backend_pid()")
    (backend,) = cursor.fetchone()

def cpu_seconds():
    # This process (both threads) and the PostgreSQL backend serving it, from /proc: the work
    # done, which a busy machine changes far less than the wall time.
    own = os.times()
    try:
        with open(f"/proc/{backend}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:  # PostgreSQL in another machine or container: its share is not known
        return own.user + own.system, float("nan")
    return own.user + own.system, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

profile = cProfile.Profile() if top else None
statements = []

def timed(execute, sql, params, many, context):
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        statements.append((time.perf_counter() - started, " ".join(sql.split())[:150]))

cpu0 = cpu_seconds()
t0 = time.perf_counter()
if profile:
    profile.enable()
with connection.execute_wrapper(timed):
    result = services.close_round(rnd)
if profile:
    profile.disable()
close_s = time.perf_counter() - t0
cpu1 = cpu_seconds()
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
                  "cpu_s": cpu1[0] - cpu0[0], "db_cpu_s": cpu1[1] - cpu0[1],
                  "projects": sorted(result.result_json["selected"]),
                  "ballots_sha256": result.ballots_sha256, "profile": report}))
"""


def _manage(env: dict[str, str], repo: Path, code: str, *args: str) -> str:
    """Run `code` under Django with `repo`'s code (its own checkout for --before)."""
    return manage_py(env, code, *args, repo=repo)


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


def _template(
    repo: Path, env: dict[str, str], template: str, keep: bool, ballots: int, made: list[str]
) -> int:
    """Seed `template` with `repo`'s migrations and code (or reuse it, kept); the round's id."""
    if keep and _exists(template):
        # The kept database holds one round, the one seeded.
        code = "from budgets.models import Round\nprint(Round.objects.latest('pk').pk)"
        return int(_manage(env, repo, code))
    _psql(f"CREATE DATABASE {template}")
    if not keep:
        made.append(template)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], env=env, cwd=repo, check=True)
    rid = int(json.loads(_manage(env, repo, SETUP, "1"))["round"])
    print(f"Seeding {ballots:,} ballots ({repo})…", flush=True)
    seeded = json.loads(_manage(env, repo, SEED, str(rid), str(ballots)))
    print(f"  inserted in {seeded['insert_s']:.1f} s", flush=True)
    return rid


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", type=int, default=0, help="print the K costliest functions")
    parser.add_argument(
        "--keep",
        metavar="DB",
        help="seed into DB (and DB_before) and keep it, or reuse it if it exists",
    )
    parser.add_argument("--sort", default="cumulative", help="profile order (e.g. tottime)")
    parser.add_argument(
        "--before", metavar="CHECKOUT", help="also time this earlier checkout, alternating"
    )
    args = parser.parse_args()

    template = args.keep or f"cc_close_tpl_{os.getpid()}"
    sides = [("after" if args.before else "this", REPO, template)]
    if args.before:
        sides.insert(0, ("before", Path(args.before).resolve(), f"{template}_before"))
    made: list[str] = []
    try:
        envs = {name: _env(db) for name, _, db in sides}
        rounds = {
            name: _template(repo, envs[name], db, bool(args.keep), args.ballots, made)
            for name, repo, db in sides
        }
        times: dict[str, list[float]] = {name: [] for name, _, _ in sides}
        cpu: dict[str, list[tuple[float, float]]] = {name: [] for name, _, _ in sides}
        projects: dict[str, set[tuple[str, ...]]] = {name: set() for name, _, _ in sides}
        for k in range(args.repeat):
            for name, repo, tpl in sides:
                db = f"cc_close_run_{os.getpid()}_{k}_{name}"
                _psql(f"CREATE DATABASE {db} TEMPLATE {tpl}")
                made.append(db)
                run_env = dict(envs[name], DATABASE_URL=f"{PG}/{db}")
                last = k == args.repeat - 1
                out = json.loads(
                    _manage(
                        run_env,
                        repo,
                        CLOSE,
                        str(rounds[name]),
                        str(args.profile if last else 0),
                        args.sort,
                    )
                )
                _psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
                made.remove(db)
                times[name].append(out["close_s"])
                cpu[name].append((out["cpu_s"], out["db_cpu_s"]))
                projects[name].add(tuple(out["projects"]))
                print(
                    f"  run {k + 1} ({name}): close_round on {out['ballots']:,} ballots: "
                    f"{out['close_s']:.2f} s; CPU {out['cpu_s']:.2f} s Python + "
                    f"{out['db_cpu_s']:.2f} s PostgreSQL ({out['selected']} projects selected; "
                    f"load average {os.getloadavg()[0]:.1f})",
                    flush=True,
                )
                if out["profile"]:
                    print(out["profile"])
        for name, _, _ in sides:
            py, db = min(c[0] for c in cpu[name]), min(c[1] for c in cpu[name])
            print(
                f"close_round ({name}), {args.ballots:,} ballots: best {min(times[name]):.2f} s "
                f"of {len(times[name])} ({', '.join(f'{t:.2f}' for t in times[name])}); "
                f"least CPU {py:.2f} s Python, {db:.2f} s PostgreSQL"
            )
        if args.before:
            ratio = min(times["after"]) / min(times["before"])
            work = sum(min(c[i] for c in cpu["after"]) for i in (0, 1)) / sum(
                min(c[i] for c in cpu["before"]) for i in (0, 1)
            )
            same = len(projects["before"] | projects["after"]) == 1
            print(
                f"after / before: {ratio:.2f} wall, {work:.2f} CPU; "
                f"same projects selected: {'yes' if same else 'NO'}"
            )
        print(f"load average {os.getloadavg()[0]:.1f}")
        return 0
    finally:
        time.sleep(0.2)
        for db in reversed(made):
            _psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")


if __name__ == "__main__":
    sys.exit(main())
