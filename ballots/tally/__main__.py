"""Command line: `python -m ballots.tally FILE.pb --rule RULE [--sat cost|cardinality] [--json]`.

Exit status 0 on success, 2 on bad input (a message, never a traceback), 1 when the output was
cut short by its reader (a pipe into `head`).
"""

from __future__ import annotations

import json
import os
import sys
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from .core import RULES, Result
from .errors import TallyError
from .money import Money
from .satisfaction import SATS

if TYPE_CHECKING:
    import argparse


def _parser() -> argparse.ArgumentParser:
    import argparse  # only when the arguments need it (see `_plain_args`)

    rules = "\n".join(f"  {rule:<9} {text}" for rule, text in RULES.items())
    parser = argparse.ArgumentParser(
        prog="python -m ballots.tally",
        description="Tally a participatory budget from a Pabulib .pb file, explaining every "
        "project's outcome. Results equal pabutools' (ties go to the smaller project id as text).",
        epilog=f"rules:\n{rules}\n\nsatisfaction (--sat):\n"
        "  cost         a voter's satisfaction is the money spent on projects they voted for\n"
        "               (their points, for cumulative ballots); greedy then goes by votes\n"
        "  cardinality  a voter's satisfaction is the number of funded projects they voted for;\n"
        "               greedy then goes by votes per unit of cost\n\n"
        "exit status: 0 success, 2 bad input (the message names the file line), 1 output cut\n"
        "short by its reader (a pipe into head).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", help="a Pabulib .pb file")
    parser.add_argument("--rule", choices=list(RULES), default="greedy", help="the rule to run")
    parser.add_argument("--sat", choices=list(SATS), default="cost", help="satisfaction measure")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--compare", action="store_true", help="run every applicable rule and compare outcomes"
    )
    parser.add_argument(
        "--unit",
        choices=["pence", "units"],
        help="money unit of the file (default: pence if META currency is GBP, else plain units)",
    )
    parser.add_argument(
        "--votes-needed",
        choices=["auto", "always", "never"],
        default="never",
        help="compute how many more votes each unfunded project needed (greedy, mes): re-runs "
        "the rule, so only when asked: 'always'; 'auto' does it for greedy, and for mes when "
        "the file has at most 200,000 voter-project pairs (larger files take seconds); "
        "'never' (default) leaves it out and says how to ask",
    )
    return parser


def _table(result: Result, money: Money) -> str:
    rows = [("rank", "id", "cost", "votes", "funded", "more votes needed", "why")]
    for p in result.projects:
        rows.append(
            (
                str(p.rank),
                p.id,
                money(p.cost),
                f"{p.votes:,}",
                "yes" if p.selected else "no",
                "" if p.votes_needed is None else f"{p.votes_needed:,}",
                p.reason,
            )
        )
    widths = [max(len(r[k]) for r in rows) for k in range(6)]
    lines = [
        f"rule {result.rule} (satisfaction: {result.sat}); budget {money(result.budget)}, "
        f"spent {money(result.spent)} on {len(result.selected)} projects",
    ]
    for row in rows:
        cells = [row[k].ljust(widths[k]) if k == 1 else row[k].rjust(widths[k]) for k in range(6)]
        lines.append("  ".join(cells) + "  " + row[6])
    if isinstance(result.details.get("votes_needed"), str):
        lines.append(f"more votes needed: {result.details['votes_needed']}")
    if result.ties:
        lines.append("ties that decided an outcome:")
        lines.extend(f"  between {', '.join(t['between'])}: {t['reason']}" for t in result.ties)
    return "\n".join(lines)


def _compare_table(rows: list[dict[str, Any]], money: Money) -> str:
    header = ("rule", "sat", "spent", "funded", "non-empty-handed", "avg satisfaction")
    body = [
        (
            r["rule"],
            r["sat"],
            money(r["spent"]),
            str(len(r["selected"])),
            f"{100 * r['percent_non_empty_handed']:.1f}%",
            f"{100 * r['avg_satisfaction']:.1f}%",
        )
        for r in rows
    ]
    widths = [max(len(x[k]) for x in [header, *body]) for k in range(6)]
    lines = ["  ".join(c.ljust(widths[k]) for k, c in enumerate(row)) for row in [header, *body]]
    lines.append("")
    lines.extend(f"{r['rule']}/{r['sat']}: {', '.join(r['selected'])}" for r in rows)
    return "\n".join(lines)


_CHOICES: dict[str, tuple[str, ...]] = {
    "rule": tuple(RULES),
    "sat": tuple(SATS),
    "unit": ("pence", "units"),
    "votes_needed": ("auto", "always", "never"),
}


def _plain_args(argv: list[str]) -> SimpleNamespace | None:
    """The arguments, when every one is written plainly (one file; options spelt in full with
    valid values, as `--rule mes` or `--rule=mes`); None for anything else, which argparse then
    reads (help, abbreviations, errors and their messages). argparse's set-up is a sizeable
    share of a whole run on a small file, so the common case does without it."""
    args = SimpleNamespace(
        file=None, rule="greedy", sat="cost", json=False, compare=False, unit=None,
        votes_needed="never",
    )  # fmt: skip
    tokens = iter(argv)
    for token in tokens:
        if token in ("--json", "--compare"):
            setattr(args, token[2:], True)
            continue
        if not token.startswith("-"):
            if args.file is not None:
                return None
            args.file = token
            continue
        name, equals, value = token.partition("=")
        key = name[2:].replace("-", "_")
        if not name.startswith("--") or key not in _CHOICES or "_" in name:
            return None
        if not equals:
            value = next(tokens, "")
        if value not in _CHOICES[key]:
            return None
        setattr(args, key, value)
    return args if args.file is not None else None


def main(argv: list[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    args = _plain_args(words) or _parser().parse_args(words)
    from .comparison import compare
    from .core import tally
    from .pabulib import read_pb

    try:
        instance, profile = read_pb(args.file)
        money = Money.for_instance(instance.meta, args.unit)
        if args.compare:
            rows = compare(instance, profile, unit=args.unit)
            if args.json:
                print(json.dumps({"budget": instance.budget, "rules": rows}, ensure_ascii=False))
            else:
                print(_compare_table(rows, money))
            return 0
        want = args.votes_needed == "always" or (
            args.votes_needed == "auto"
            and (args.rule == "greedy" or len(profile) * len(instance.projects) <= 200_000)
        )
        result = tally(
            instance, profile, args.rule, args.sat, unit=args.unit, votes_needed=want, check=False
        )
        if not want and args.rule in ("greedy", "mes"):
            result.details["votes_needed"] = "not computed (use --votes-needed always)"
    except TallyError as exc:
        print(f"{args.file}: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        print(_table(result, money))
    return 0


def run() -> int:
    """`main`, except that output cut short by its reader (`... | head`) ends quietly, exit 1."""
    try:
        status = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # Python would report the pipe again when it flushes stdout at exit: point it nowhere.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return status


if __name__ == "__main__":
    sys.exit(run())
