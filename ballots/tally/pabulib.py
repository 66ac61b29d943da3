"""Reading and writing Pabulib `.pb` files (https://pabulib.org/format).

A file has three sections, each a `;`-separated table introduced by its name and a header row:
META (`key;value`), PROJECTS (`project_id;cost;...`) and VOTES (`voter_id;vote;...`). Every
problem is reported as a `PabulibFormatError` naming the line.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, cast

from ._pbtext import Source, _lines, _read_text, _rows, _whole_number
from .errors import InvalidInstanceError, PabulibFormatError, TallyError
from .model import VOTE_TYPES, Ballot, Instance, Profile, Project, VoteType, check_ballot

_SECTIONS = ("meta", "projects", "votes")
_LIMIT_KEYS = ("min_length", "max_length", "max_sum_cost", "max_sum_points", "max_points")
_VOTE_TYPE_ALIASES = {"choose-1": "approval"}


def read_pb(source: Source) -> tuple[Instance, Profile]:
    """Read a Pabulib file: a path, the file's text (anything containing a newline), bytes or an
    open file. Returns the instance and the profile; raises `PabulibFormatError` naming the line.

    Approval ballots are read in bulk when the VOTES section is plain (the last section, no
    quoting, no blank or odd lines, every ballot valid): straight into the arrays the rules count
    from, with each `Ballot` object made only if someone asks for it. Anything else, and every
    error, goes through the line-by-line reader, so results and messages are the same."""
    text = _read_text(source)
    if not text.strip():
        raise PabulibFormatError("the file is empty")
    read = None
    if "\n" in text:
        try:
            read = _read_lines(_head_lines(text, ends := [0]), bulk=(text, ends))
        except TallyError:
            read = None  # the line reader finds the same problem, or the first in file order
    if read is None:
        read = _read_lines(_lines(text), bulk=None)
        assert read is not None
    return read


def _head_lines(text: str, ends: list[int]) -> Iterator[str]:
    """The lines of `text` one at a time, as `_lines` splits them; `ends[0]` is where the text
    after the last line given out begins."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        ends[0] = end + 1
        yield text[start:end].removesuffix("\r")
        start = end + 1


def _read_lines(
    lines: Iterable[str], bulk: tuple[str, list[int]] | None
) -> tuple[Instance, Profile] | None:
    """The line-by-line reader; with `bulk` (the text, and where `lines` stopped), hands a
    trailing VOTES section to `_bulk.bulk_votes` instead, and returns None if that declines (the
    caller then reads the file line by line)."""
    section = ""
    header: list[str] = []
    header_line = 0
    seen: dict[str, int] = {}
    meta: dict[str, str] = {}
    meta_lines: dict[str, int] = {}
    raw_projects: list[tuple[int, list[str]]] = []
    raw_votes: list[tuple[int, list[str]]] = []
    expect_header = False
    header_projects: list[str] = []
    header_votes: list[str] = []
    bulk_start = -1
    for line, row in _rows(lines):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        first = row[0].strip().lower()
        if first in _SECTIONS and not any(field.strip() for field in row[1:]):
            if first in seen:
                raise PabulibFormatError(
                    f"section {first.upper()} appears twice (first on line {seen[first]})", line
                )
            seen[first] = line
            section = first
            expect_header = True
            continue
        if expect_header:
            header = [h.strip() for h in row]
            header_line = line
            expect_header = False
            if section == "meta" and len(header) != 2:
                raise PabulibFormatError(
                    f"the META header must have 2 columns (key;value), found {len(header)}", line
                )
            if section == "projects":
                header_projects = header
                for needed in ("project_id", "cost"):
                    if needed not in header:
                        raise PabulibFormatError(
                            f"the PROJECTS header has no {needed!r} column", line
                        )
            elif section == "votes":
                header_votes = header
                for needed in ("voter_id", "vote"):
                    if needed not in header:
                        raise PabulibFormatError(f"the VOTES header has no {needed!r} column", line)
            if len(set(header)) != len(header):
                raise PabulibFormatError("the header names a column twice", line)
            if bulk and section == "votes" and "meta" in seen and "projects" in seen:
                bulk_start = bulk[1][0]  # the rows after the header: text[bulk_start:]
                break
            continue
        if section == "":
            raise PabulibFormatError(
                "the file must start with a META section (found text before any section)", line
            )
        if len(row) != len(header):
            raise PabulibFormatError(
                f"expected {len(header)} fields as in the header on line {header_line}, "
                f"found {len(row)}",
                line,
            )
        if section == "meta":
            key, value = row[0].strip(), row[1].strip()
            if key in meta:
                raise PabulibFormatError(f"META key {key!r} appears twice", line)
            meta[key] = value
            meta_lines[key] = line
        elif section == "projects":
            raw_projects.append((line, row))
        else:
            raw_votes.append((line, row))
    if bulk and bulk_start < 0:
        return None
    last_line = len(lines) if isinstance(lines, list) else 0  # (bulk: errors are read again)
    for name in _SECTIONS:
        if name not in seen:
            raise PabulibFormatError(f"the file has no {name.upper()} section", last_line)
    if expect_header or not header_projects or not header_votes:
        raise PabulibFormatError(f"the {section.upper()} section has no header row", last_line)
    if "budget" not in meta:
        raise PabulibFormatError("META has no 'budget'", seen["meta"])
    budget = _whole_number(meta["budget"], "budget", meta_lines["budget"])
    raw_type = meta.get("vote_type", "").strip().lower()
    vote_type = _VOTE_TYPE_ALIASES.get(raw_type, raw_type)
    if vote_type not in VOTE_TYPES:
        raise PabulibFormatError(
            f"vote_type {meta.get('vote_type', '')!r} is not one of {', '.join(VOTE_TYPES)}",
            meta_lines.get("vote_type", seen["meta"]),
        )
    limits: dict[str, int] = {}
    for key in _LIMIT_KEYS:
        if key in meta and meta[key].strip().lower() not in ("", "none"):
            limits[key] = _whole_number(meta[key], key, meta_lines[key])

    projects = _parse_projects(raw_projects, header_projects)
    instance = Instance(budget, projects, meta)
    profile = Profile(cast(VoteType, vote_type), [], **limits)
    if bulk:
        from ._bulk import bulk_votes

        if not bulk_votes(bulk[0], bulk_start, header_votes, instance, profile):
            return None
        return instance, profile
    profile.ballots = _parse_votes(raw_votes, header_votes, instance, profile)
    return instance, profile


def _parse_projects(rows: list[tuple[int, list[str]]], header: list[str]) -> list[Project]:
    id_col, cost_col = header.index("project_id"), header.index("cost")
    name_col = header.index("name") if "name" in header else -1
    others = [(k, h) for k, h in enumerate(header) if k not in (id_col, cost_col, name_col)]
    projects: list[Project] = []
    first_line: dict[str, int] = {}
    for line, row in rows:
        pid = row[id_col].strip()
        if not pid:
            raise PabulibFormatError("a project has an empty project_id", line)
        if "," in pid:
            raise PabulibFormatError(f"project id {pid!r} contains a comma", line)
        if pid in first_line:
            raise PabulibFormatError(
                f"project id {pid} appears twice (first on line {first_line[pid]})", line
            )
        first_line[pid] = line
        cost = _whole_number(row[cost_col], f"project {pid}: cost", line)
        name = row[name_col].strip() if name_col >= 0 else ""
        extra = {h: row[k].strip() for k, h in others}
        try:
            projects.append(Project(pid, cost, name, extra))
        except InvalidInstanceError as exc:
            raise PabulibFormatError(str(exc), line) from None
    return projects


def _parse_votes(
    rows: list[tuple[int, list[str]]],
    header: list[str],
    instance: Instance,
    profile: Profile,
) -> list[Ballot]:
    voter_col, vote_col = header.index("voter_id"), header.index("vote")
    points_col = header.index("points") if "points" in header else -1
    skip = {voter_col, vote_col, points_col}
    others = [(k, h) for k, h in enumerate(header) if k not in skip]
    with_points = profile.vote_type in ("cumulative", "scoring")
    if with_points and points_col < 0 and rows:
        raise PabulibFormatError(
            f"{profile.vote_type} ballots need a 'points' column in the VOTES header",
            rows[0][0] - 1,
        )
    known = instance.projects
    ballots: list[Ballot] = []
    first_line: dict[str, int] = {}
    simple = not with_points and profile.max_sum_cost is None
    for line, row in rows:
        voter = row[voter_col].strip()
        if not voter:
            raise PabulibFormatError("a vote has an empty voter_id", line)
        if voter in first_line:
            raise PabulibFormatError(
                f"voter id {voter} appears twice (first on line {first_line[voter]})", line
            )
        first_line[voter] = line
        vote_text = row[vote_col]
        if " " in vote_text or "\t" in vote_text:
            chosen = tuple(p.strip() for p in vote_text.split(",") if p.strip())
        else:
            chosen = tuple(filter(None, vote_text.split(",")))
        points: tuple[int, ...] | None = None
        if with_points:
            points_text = row[points_col]
            raw_points = [p for p in points_text.split(",") if p.strip()]
            if len(raw_points) != len(chosen):
                raise PabulibFormatError(
                    f"voter {voter} lists {len(chosen)} projects but {len(raw_points)} points",
                    line,
                )
            points = tuple(_whole_number(p, f"voter {voter}: points", line) for p in raw_points)
        extra = {h: row[k].strip() for k, h in others} if others else {}
        ballot = Ballot(voter, chosen, points, extra)
        if simple:
            problem = None
            if not known.keys() >= set(chosen):
                unknown = next(pid for pid in chosen if pid not in known)
                problem = f"voter {voter} voted for unknown project {unknown!r}"
        else:
            problem = check_ballot(instance, profile, ballot)
        if problem is not None:
            raise PabulibFormatError(problem, line)
        ballots.append(ballot)
    return ballots


# Every character `str.splitlines` ends a line at. Our reader splits on "\n" only, but other
# Pabulib readers (pabutools among them) split on all of these, so the writer refuses them all.
LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")


def _check_writable(value: str, what: str) -> str:
    """`value`, if every Pabulib reader gives it back unchanged; otherwise a `TallyError`.

    Readers split lines (ours on "\n" only, others on every Unicode line break) and strip the
    white space around every field (as `str.strip` sees it: U+00A0 and the like included). Every
    other character, `;` and `"` included (they are quoted), survives the round trip."""
    if not value and what == "a voter id":
        raise TallyError("a voter id is empty, which a .pb file cannot hold")
    breaks = LINE_BREAKS.intersection(value)
    if breaks:
        names = ", ".join(f"U+{ord(ch):04X}" for ch in sorted(breaks))
        raise TallyError(f"{what} contains a line break ({names}), which a .pb file cannot hold")
    if value != value.strip():
        raise TallyError(f"{what} begins or ends with white space, which a .pb file does not keep")
    return value


def _check_row(row: list[str], what: str) -> list[str]:
    # A row whose first field is a section name and whose other fields are empty reads as the
    # start of that section.
    if row and row[0].strip().lower() in _SECTIONS and not any(f.strip() for f in row[1:]):
        raise TallyError(f"{what} {row[0]!r} would read as a section name")
    return row


def dumps_pb(instance: Instance, profile: Profile) -> str:
    """The Pabulib text of `instance` and `profile` (reading it back gives equal objects)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    meta = dict(instance.meta)
    meta["budget"] = str(instance.budget)
    if meta.get("vote_type") not in (profile.vote_type, *_VOTE_TYPE_ALIASES):
        meta["vote_type"] = profile.vote_type
    for key in _LIMIT_KEYS:
        value = getattr(profile, key)
        if value is not None:
            existing = meta.get(key)
            if existing is None or existing.strip() != str(value):
                meta[key] = str(value)
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    for key, value in meta.items():
        pair = [_check_writable(key, "a META key"), _check_writable(value, f"META {key}")]
        writer.writerow(_check_row(pair, "the META key"))

    projects = list(instance.projects.values())
    with_name = any(p.name for p in projects)
    extra_keys: list[str] = []
    for p in projects:
        extra_keys.extend(k for k in p.extra if k not in extra_keys)
    writer.writerow(["PROJECTS"])
    for key in extra_keys:
        _check_writable(key, "a PROJECTS column name")
    writer.writerow(["project_id", "cost", *(["name"] if with_name else []), *extra_keys])
    for p in projects:
        row = [p.id, str(p.cost)]
        if with_name:
            row.append(_check_writable(p.name, f"the name of project {p.id}"))
        row.extend(_check_writable(p.extra.get(k, ""), f"project {p.id} {k}") for k in extra_keys)
        writer.writerow(row)

    with_points = profile.vote_type in ("cumulative", "scoring")
    vote_keys: list[str] = []
    for b in profile.ballots:
        vote_keys.extend(k for k in b.extra if k not in vote_keys)
    writer.writerow(["VOTES"])
    for key in vote_keys:
        _check_writable(key, "a VOTES column name")
    writer.writerow(["voter_id", "vote", *(["points"] if with_points else []), *vote_keys])
    for b in profile.ballots:
        row = [_check_writable(b.voter_id, "a voter id"), ",".join(b.projects)]
        if with_points:
            row.append(",".join(str(n) for n in (b.points or ())))
        row.extend(
            _check_writable(b.extra.get(k, ""), f"voter {b.voter_id} {k}") for k in vote_keys
        )
        writer.writerow(_check_row(row, "the voter id"))
    return out.getvalue()


def write_pb(instance: Instance, profile: Profile, file: str | os.PathLike[str] | IO[str]) -> None:
    """Write `instance` and `profile` as a Pabulib file to a path or an open text file."""
    text = dumps_pb(instance, profile)
    if isinstance(file, str | os.PathLike):
        Path(file).write_text(text, encoding="utf-8")
    else:
        file.write(text)
