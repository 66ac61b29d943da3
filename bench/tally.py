"""Benchmark: our tallying core against pabutools, side by side, in one run.

    python bench/tally.py            # everything (pabutools' mes-add1 on big files takes minutes)
    python bench/tally.py --quick    # skip pabutools where it takes more than ~20 s; the table then
                                     # quotes the time recorded in tests/tally/golden/ (marked *)

Times are for the rule call alone (files already parsed, profile compiled), best of a few runs
for ours; "same" says whether both funded the same projects (for `optimal`: the same welfare).
Then the whole CLI process, start to JSON, and generated instances up to 100,000 voters x 200
projects.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "tally"))

from ballots.tally import Instance, Profile, read_pb, tally  # noqa: E402

GOLDEN = ROOT / "tests" / "tally" / "golden"
RULES = [("greedy", "cost"), ("mes", "cost"), ("mes-add1", "cost"), ("phragmen", "cost")]
RULES += [("optimal", "cost")]


def pabulib_dir() -> Path:
    env = os.environ.get("PABULIB_DIR")
    return Path(env) if env else (ROOT / ".." / "shared" / "pabulib").resolve()


def best_of(fn: Callable[[], Any], budget_seconds: float = 1.0, at_most: int = 20) -> float:
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < at_most and (not times or time.perf_counter() - start < budget_seconds):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def pabutools_run(p_instance: Any, p_profile: Any, vote_type: str, rule: str, sat: str) -> Any:
    from pabutools_oracle import oracle_outcome

    return oracle_outcome(p_instance, p_profile, vote_type, rule, sat)


def fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 1:
        return f"{seconds * 1000:.2f} ms"
    return f"{seconds:.2f} s"


def bench_instance(
    label: str,
    instance: Instance,
    profile: Profile,
    pabutools: tuple[Any, Any] | None,
    quick: bool,
    golden: dict[str, Any],
    rows: list[list[str]],
    rules: list[tuple[str, str]],
    slow_limit_voters: int,
) -> None:
    from pabutools_oracle import oracle_welfare

    profile.matrix(instance)
    for rule, sat in rules:
        if profile.vote_type == "ordinal" and rule != "greedy":
            continue
        if rule == "phragmen" and profile.vote_type != "approval":
            continue
        result = tally(instance, profile, rule, sat, votes_needed=False, check=False)

        def call(rule: str = rule, sat: str = sat) -> Any:
            return tally(instance, profile, rule, sat, votes_needed=False, check=False)

        ours = best_of(
            call,
            budget_seconds=2.0 if rule == "mes-add1" else 1.0,
            at_most=3 if rule == "mes-add1" else 20,
        )
        theirs: float | None = None
        same = "n/a"
        marker = ""
        slow = len(profile.ballots) > slow_limit_voters and (
            rule == "mes-add1" or len(profile.ballots) > 50_000
        )
        key = f"{rule}/{sat}"
        if pabutools is not None and profile.vote_type != "ordinal":
            if quick and slow:
                recorded = golden.get("results", {}).get(key)
                if recorded:
                    theirs = recorded["pabutools_seconds"]
                    marker = "*"
                    expected = set(recorded["selected"])
                    if rule == "optimal":
                        same = str(result.details["welfare"] == recorded["welfare"])
                    else:
                        same = str(set(result.selected) == expected)
            else:
                start = time.perf_counter()
                outcome = pabutools_run(*pabutools, profile.vote_type, rule, sat)
                theirs = time.perf_counter() - start
                names = {p.name for p in outcome}
                if rule == "optimal":
                    same = str(
                        oracle_welfare(instance, profile, names, sat)
                        == oracle_welfare(instance, profile, set(result.selected), sat)
                    )
                else:
                    same = str(names == set(result.selected))
        ratio = f"{theirs / ours:,.0f}x" if theirs else "-"
        rows.append(
            [
                label,
                rule,
                f"{len(profile.ballots):,}",
                str(len(instance.projects)),
                fmt_time(ours),
                fmt_time(theirs) + marker,
                ratio,
                same,
            ]
        )
        print(" | ".join(rows[-1]), flush=True)


def cli_time(path: Path, rule: str) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "ballots.tally", str(path), "--rule", rule, "--json"],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="skip pabutools' slowest runs")
    parser.add_argument("--no-generated", action="store_true")
    args = parser.parse_args()
    from pabutools.election import parse_pabulib
    from pabutools_oracle import to_pabutools

    rows: list[list[str]] = []
    header = ["instance", "rule", "voters", "projects", "ours", "pabutools", "ratio", "same"]
    print(" | ".join(header))
    for pb in sorted(pabulib_dir().glob("*.pb")):
        instance, profile = read_pb(pb)
        golden_file = GOLDEN / f"{pb.stem}.json"
        golden = json.loads(golden_file.read_text()) if golden_file.exists() else {}
        theirs = parse_pabulib(str(pb)) if profile.vote_type != "ordinal" else None
        bench_instance(pb.stem, instance, profile, theirs, args.quick, golden, rows, RULES, 5000)

    if not args.no_generated:
        from generators import large_approval

        for n, m in [(1_000, 50), (10_000, 100), (100_000, 200)]:
            instance, profile = large_approval(n, m, seed=n)
            theirs = to_pabutools(instance, profile)
            rules = [("greedy", "cost"), ("mes", "cost")]
            label = f"random {n:,}x{m}"
            bench_instance(label, instance, profile, theirs, args.quick, {}, rows, rules, 50_000)

    mokotow = pabulib_dir() / "Poland_Warszawa_2021_Mokotow.pb"
    cli_rows = []
    if mokotow.exists():
        for rule in ("greedy", "mes"):
            cli_rows.append((rule, cli_time(mokotow, rule)))

    widths = [max(len(r[k]) for r in [header, *rows]) for k in range(len(header))]
    print()
    print("| " + " | ".join(h.ljust(widths[k]) for k, h in enumerate(header)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(c.ljust(widths[k]) for k, c in enumerate(row)) + " |")
    if args.quick:
        print("* pabutools not run (--quick): time recorded when the golden files were made")
    for rule, seconds in cli_rows:
        print(f"whole CLI process, Mokotow, --rule {rule} --json: {seconds:.3f} s")


if __name__ == "__main__":
    main()
