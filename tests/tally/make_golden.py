"""Regenerate the golden expectations in tests/tally/golden/ by running pabutools.

    python tests/tally/make_golden.py [--jobs 2] [--skip-slow] [FILE.pb ...]

One JSON file per Pabulib file in tests/data/pabulib, mapping "rule/sat" to pabutools' funded set
(sorted ids), money spent and seconds taken (recorded, never asserted), plus the analytics
`compare` must reproduce. pabutools is slow (mes-add1 takes minutes and gigabytes on the big
files); `--skip-slow` leaves mes-add1 out on files
with more than 5,000 voters and keeps any value already in the golden file.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from pabulib_files import pabulib_dir

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))


def golden_path(pb: Path) -> Path:
    return HERE / "golden" / (pb.stem + ".json")


def cases(vote_type: str) -> list[tuple[str, str]]:
    if vote_type == "ordinal":
        return []
    pairs = [("greedy", "cost"), ("greedy", "cardinality"), ("mes", "cost")]
    pairs += [("mes", "cardinality"), ("optimal", "cost"), ("optimal", "cardinality")]
    pairs += [("mes-add1", "cost")]
    if vote_type == "approval":
        pairs.append(("phragmen", "cost"))
    return pairs


def run_case(pb: str, rule: str, sat: str) -> dict[str, Any]:
    from pabutools.election import parse_pabulib
    from pabutools_oracle import oracle_outcome

    from ballots.tally import read_pb

    instance, profile = read_pb(pb)
    p_instance, p_profile = parse_pabulib(pb)  # pabutools reads the original file itself
    start = time.perf_counter()
    outcome = oracle_outcome(p_instance, p_profile, profile.vote_type, rule, sat)
    seconds = time.perf_counter() - start
    selected = sorted(p.name for p in outcome)
    entry: dict[str, Any] = {
        "selected": selected,
        "spent": int(sum(p.cost for p in outcome)),
        "pabutools_seconds": round(seconds, 3),
    }
    if rule == "optimal":
        from pabutools_oracle import oracle_welfare

        entry["welfare"] = int(oracle_welfare(instance, profile, set(selected), sat))
    if profile.vote_type == "approval":
        from pabutools.analysis import avg_satisfaction, percent_non_empty_handed
        from pabutools.election import Relative_Cost_Approx_Normaliser_Sat

        entry["percent_non_empty_handed"] = float(
            percent_non_empty_handed(p_instance, p_profile, outcome)
        )
        entry["avg_satisfaction"] = float(
            avg_satisfaction(p_instance, p_profile, outcome, Relative_Cost_Approx_Normaliser_Sat)
        )
    return entry


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="*")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--skip-slow", action="store_true")
    parser.add_argument("--only", help="rule/sat to (re)compute, e.g. mes-add1/cost")
    args = parser.parse_args()
    from ballots.tally import read_pb

    files = [Path(f) for f in args.files] or sorted(pabulib_dir().glob("*.pb"))
    jobs: list[tuple[Path, str, str]] = []
    goldens: dict[Path, dict[str, Any]] = {}
    for pb in files:
        path = golden_path(pb)
        golden = json.loads(path.read_text()) if path.exists() else {}
        goldens[pb] = golden
        _, profile = read_pb(pb)
        golden["file"] = pb.name
        golden["vote_type"] = profile.vote_type
        golden.setdefault("results", {})
        for rule, sat in cases(profile.vote_type):
            key = f"{rule}/{sat}"
            if args.only and key != args.only:
                continue
            if args.skip_slow and rule == "mes-add1" and len(profile.ballots) > 5000:
                continue
            jobs.append((pb, rule, sat))
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = {(pb, r, s): pool.submit(run_case, str(pb), r, s) for pb, r, s in jobs}
        for (pb, rule, sat), fut in futures.items():
            goldens[pb]["results"][f"{rule}/{sat}"] = fut.result()
            results = dict(sorted(goldens[pb]["results"].items()))
            goldens[pb]["results"] = results
            golden_path(pb).write_text(json.dumps(goldens[pb], indent=1, sort_keys=True) + "\n")
            print(f"{pb.name} {rule}/{sat}: {fut.result()['pabutools_seconds']}s", flush=True)


if __name__ == "__main__":
    main()
