"""Benchmark: counting at city and national scale, whole process, wall time and peak memory.

    python bench/scale.py                    # 100,000 x 200 and 1,000,000 x 500, Mokotow, pabutools
    python bench/scale.py --no-pabutools     # skip pabutools (about a minute and 3 GB per rule)
    python bench/scale.py --save DIR         # also keep every run's JSON in DIR ...
    python bench/scale.py --check DIR        # ... and later say whether each equals the saved one
    python bench/scale.py --before CHECKOUT  # also time an earlier checkout, side by side

Generates seeded random approval instances (popularity skewed, 1 to 15 approvals per voter) as
`.pb` files under `var/bench/` (never committed; written once, reused), then runs
`python -m ballots.tally FILE --rule R --json` as a whole process for each rule, `--repeat` times
(best wall time and best CPU time kept), and reports the child's peak resident memory
(`os.wait4`'s rusage: the same `ru_maxrss` as `resource.getrusage(RUSAGE_CHILDREN)`, but of
that child alone). pabutools runs in its own process on the 100,000-voter instance in the same
run, for the ratio. The load average is printed: the machine is shared, so compare figures from
one run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var" / "bench"
MOKOTOW = ROOT / "tests" / "data" / "pabulib" / "Poland_Warszawa_2021_Mokotow.pb"

# (voters, projects, seed): the two instances.
SIZES = {"100k": (100_000, 200, 100), "1m": (1_000_000, 500, 1)}

PABUTOOLS_CHILD = """
import sys, time
from pabutools.election import parse_pabulib, Cost_Sat
from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares
instance, profile = parse_pabulib(sys.argv[1])
if sys.argv[2] == "greedy":
    out = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)
else:
    out = method_of_equal_shares(instance, profile, sat_class=Cost_Sat)
print(",".join(sorted(str(p.name) for p in out)))
"""


def generate(n_voters: int, n_projects: int, seed: int) -> Path:
    """The seeded instance's file under var/bench/, written if missing."""
    path = VAR / f"approval_{n_voters}x{n_projects}_seed{seed}.pb"
    if path.exists():
        return path
    import numpy as np

    VAR.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    costs = rng.integers(1, 100, n_projects) * 1000
    budget = int(costs.sum() * 3 // 10)
    log_popularity = np.log(rng.dirichlet(np.ones(n_projects) * 0.5) + 1e-12)
    lines = [
        "META",
        "key;value",
        f"description;random approval instance, {n_voters} voters x {n_projects} projects, "
        f"seed {seed}",
        f"num_projects;{n_projects}",
        f"num_votes;{n_voters}",
        f"budget;{budget}",
        "vote_type;approval",
        "currency;PLN",
        "PROJECTS",
        "project_id;cost;name",
    ]
    lines += [f"{j + 1};{int(c)};project {j + 1}" for j, c in enumerate(costs)]
    lines += ["VOTES", "voter_id;vote"]
    names = np.array([str(j + 1) for j in range(n_projects)], dtype=object)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
        chunk = 50_000
        for first in range(0, n_voters, chunk):
            size = min(chunk, n_voters - first)
            # Weighted sampling without replacement (the Gumbel top-k trick).
            keys = log_popularity + rng.gumbel(size=(size, n_projects))
            order = np.argsort(-keys, axis=1)[:, :15]
            lengths = rng.integers(1, 16, size)
            rows = [
                f"{first + i + 1};{','.join(names[order[i, : lengths[i]]])}\n" for i in range(size)
            ]
            out.write("".join(rows))
    tmp.rename(path)
    return path


def generate_apart(n_voters: int, n_projects: int, seed: int) -> Path:
    """`generate` in a child process. Linux keeps a process's peak memory across exec, so every
    child this process started after holding a generated instance in memory would report that
    peak as its own (352 MB for each 100,000-voter count, measured)."""
    code = (
        f"import runpy; g = runpy.run_path({str(Path(__file__).resolve())!r}); "
        f"print(g['generate']({n_voters}, {n_projects}, {seed}))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return Path(out.stdout.strip().splitlines()[-1])


Run = tuple[float, float, bytes, float]


def run_child(args: list[str], cwd: Path = ROOT) -> Run:
    """Wall seconds, peak memory (MB), stdout and CPU seconds (user + system, with the forked
    workers it waited for) of one whole child process. On a busy machine the CPU time moves
    less with the load than the wall time does."""
    start = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.PIPE, env=env)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} exited with {proc.returncode}")
    return wall, usage.ru_maxrss / 1024, out, usage.ru_utime + usage.ru_stime


def best_pair(args: list[str], repeat: int, before: Path | None) -> tuple[Run, Run | None]:
    """Best wall time, peak memory and output of this checkout and of `before`, alternating
    run by run (a busy machine then slows both alike)."""
    ours: list[Run] = []
    theirs: list[Run] = []
    for _ in range(repeat):
        if before is not None:
            theirs.append(run_child(args, before))
        ours.append(run_child(args))

    def best(runs: list[Run]) -> Run:
        return min(r[0] for r in runs), max(r[1] for r in runs), runs[0][2], min(r[3] for r in runs)

    return best(ours), (best(theirs) if theirs else None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100k,1m", help="comma-separated: 100k, 1m")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measure (best kept)")
    parser.add_argument("--no-pabutools", action="store_true")
    parser.add_argument("--no-mokotow", action="store_true")
    parser.add_argument("--save", type=Path, help="keep each run's JSON output in this directory")
    parser.add_argument("--check", type=Path, help="compare each run's JSON with one saved here")
    parser.add_argument(
        "--before",
        type=Path,
        help="a checkout of earlier code (git worktree): each measure runs there too, "
        "alternating with this checkout, and both times are printed with whether outputs agree",
    )
    parser.add_argument(
        "--extra", default="", help="extra CLI arguments for our runs, e.g. '--votes-needed auto'"
    )
    args = parser.parse_args()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {os.cpu_count()} cores")
    jobs: list[tuple[str, Path, list[str]]] = []
    for size in filter(None, args.sizes.split(",")):
        n, m, seed = SIZES[size]
        path = generate_apart(n, m, seed)
        rules = ["greedy", "mes"] + (["mes-add1", "phragmen"] if size == "100k" else [])
        jobs += [(f"{n:,} x {m}", path, rules)]
    if not args.no_mokotow:
        jobs.append(("Mokotow 12,933 x 98", MOKOTOW, ["greedy", "mes", "mes-add1"]))
    rows = []
    for label, path, rules in jobs:
        for rule in rules:
            cmd = [sys.executable, "-m", "ballots.tally", str(path), "--rule", rule, "--json"]
            full = cmd + args.extra.split()
            (wall, mem, out, cpu), earlier = best_pair(full, args.repeat, args.before)
            name = f"{path.stem}.{rule}.json"
            same = ""
            if args.save:
                args.save.mkdir(parents=True, exist_ok=True)
                (args.save / name).write_bytes(out)
            if args.check and (args.check / name).exists():
                before = json.loads((args.check / name).read_bytes())
                same = "identical" if before == json.loads(out) else "DIFFERENT"
            theirs = ""
            pabutools = not args.no_pabutools and rule in ("greedy", "mes")
            if pabutools and path.stem.startswith("approval_100000x"):
                child = [sys.executable, "-c", PABUTOOLS_CHILD, str(path), rule]
                p_wall, p_mem, p_out, _ = run_child(child)
                agree = p_out.decode().strip() == ",".join(sorted(json.loads(out)["selected"]))
                theirs = (
                    f"pabutools {p_wall:.2f} s, {p_mem:,.0f} MB "
                    f"({p_wall / wall:,.0f}x; same selection: {agree})"
                )
            if earlier is not None:
                agree = json.loads(earlier[2]) == json.loads(out)
                theirs = (
                    f"before {earlier[0]:.3f} s (cpu {earlier[3]:.3f}), {earlier[1]:,.0f} MB "
                    f"(output {'identical' if agree else 'DIFFERENT'}) {theirs}"
                )
            row = f"{label:<22} {rule:<9} {wall:7.3f} s (cpu {cpu:.3f}) {mem:7,.0f} MB"
            row = f"{row}  {same} {theirs}".rstrip()
            rows.append(row)
            print(row, flush=True)
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
