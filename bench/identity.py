"""Before/after identity check: this checkout's CLI and an earlier checkout's give the same JSON.

    python bench/identity.py --before CHECKOUT           # every shared file, rule and satisfaction
    python bench/identity.py --before CHECKOUT FILE ...  # these files only

For each `.pb` file (default: tests/data/pabulib/) runs `python -m ballots.tally FILE --rule R
--sat S --json` for every rule and satisfaction measure, `--compare --json`, and `greedy`/`mes`
with `--votes-needed always`, in both checkouts, and compares the outputs (JSON parsed, so key
order does not matter; every value must be equal) and exit statuses. Prints one line per
difference and a count; exit status 1 if anything differs. A speed change must not change a result.

`--extra ARGS` adds arguments to this checkout's runs only: against a checkout from before votes
needed were computed only when asked (before 15cdb51), `--extra "--votes-needed auto"` gives this
checkout that earlier default, so every output can be compared with the code before issue 17.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "pabulib"
RULES = ("greedy", "mes", "mes-add1", "phragmen", "optimal")
SATS = ("cost", "cardinality")


def run(checkout: Path, args: list[str]) -> tuple[int, Any]:
    """Exit status and parsed JSON (or the raw stdout/stderr if not JSON) of one CLI run."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    cmd = [sys.executable, "-m", "ballots.tally", *args]
    proc = subprocess.run(cmd, cwd=checkout, env=env, capture_output=True, text=True, check=False)
    try:
        return proc.returncode, json.loads(proc.stdout)
    except json.JSONDecodeError:
        return proc.returncode, (proc.stdout, proc.stderr)


def variants(path: Path) -> list[list[str]]:
    out = [[str(path), "--rule", rule, "--sat", sat, "--json"] for rule in RULES for sat in SATS]
    out.append([str(path), "--compare", "--json"])
    out += [
        [str(path), "--rule", r, "--votes-needed", "always", "--json"] for r in ("greedy", "mes")
    ]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, required=True, help="an earlier checkout")
    parser.add_argument(
        "--extra", default="", help="extra CLI arguments for this checkout's runs only"
    )
    parser.add_argument("files", nargs="*", type=Path, help="default: tests/data/pabulib/*.pb")
    args = parser.parse_args()
    files = [f.resolve() for f in args.files] or sorted(DATA.glob("*.pb"))
    differ = same = 0
    for path in files:
        for argv in variants(path):
            start = time.perf_counter()
            before = run(args.before.resolve(), argv)
            after = run(ROOT, [argv[0], *args.extra.split(), *argv[1:]])  # later flags win
            label = " ".join(argv[1:]).replace(" --json", "")
            if before == after:
                same += 1
                print(f"same     {path.name} {label} ({time.perf_counter() - start:.1f} s)")
            else:
                differ += 1
                print(f"DIFFERS  {path.name} {label}: exit {before[0]} vs {after[0]}", flush=True)
    print(f"{same} identical, {differ} different")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
