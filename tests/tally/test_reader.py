"""The Pabulib reader and writer: round trips, precise errors, and fuzzing."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ballots.tally import (
    Instance,
    InvalidInstanceError,
    PabulibFormatError,
    Profile,
    Project,
    TallyError,
    dumps_pb,
    read_pb,
    write_pb,
)

GOOD = """META
key;value
description;A small test
budget;100
vote_type;approval
currency;GBP
PROJECTS
project_id;cost;name;votes
1;60;Benches for the park;2
2;50;"Bins; bigger ones";1
VOTES
voter_id;vote;age
a;1,2;30
b;1;41
"""

CUMULATIVE = """META
key;value
budget;100
vote_type;cumulative
max_sum_points;5
PROJECTS
project_id;cost
1;60
2;50
VOTES
voter_id;vote;points
a;1,2;3,2
b;2;5
"""


def test_reads_text_path_bytes_and_files(tmp_path: Path) -> None:
    instance, profile = read_pb(GOOD)
    assert instance.budget == 100
    assert instance.projects["2"] == Project("2", 50, "Bins; bigger ones", {"votes": "1"})
    assert profile.vote_type == "approval"
    assert [b.projects for b in profile.ballots] == [("1", "2"), ("1",)]
    assert profile.ballots[0].extra == {"age": "30"}
    path = tmp_path / "x.pb"
    path.write_text(GOOD)
    assert read_pb(path) == read_pb(str(path)) == read_pb(GOOD.encode()) == (instance, profile)
    assert read_pb(io.StringIO(GOOD)) == (instance, profile)


def test_round_trip_is_exact(tmp_path: Path) -> None:
    for text in (GOOD, CUMULATIVE):
        instance, profile = read_pb(text)
        out = tmp_path / "out.pb"
        write_pb(instance, profile, out)
        assert read_pb(out) == (instance, profile)
        buffer = io.StringIO()
        write_pb(instance, profile, buffer)
        assert buffer.getvalue() == dumps_pb(instance, profile)


def test_round_trip_of_python_built_data() -> None:
    instance = Instance(500, [Project("a", 100, "Swings"), Project("b", 250)], {"budget": "500"})
    for profile in (
        Profile.from_approvals({"v1": ["a"], "v2": ["a", "b"], "v3": []}),
        Profile.from_points({"v1": {"a": 2, "b": 1}, "v2": {"b": 3}}),
        Profile.from_rankings({"v1": ["b", "a"], "v2": ["a"]}),
    ):
        instance.meta["vote_type"] = profile.vote_type
        assert read_pb(dumps_pb(instance, profile)) == (instance, profile)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (GOOD.replace("VOTES\nvoter_id;vote;age\na;1,2;30\nb;1;41\n", ""), None, "no VOTES"),
        (GOOD.replace("a;1,2;30", "a;1,7;30"), 13, "unknown project '7'"),
        (GOOD.replace("1;60;Benches", "1;-60;Benches"), 9, "negative"),
        (GOOD.replace("2;50;", "1;50;"), 10, "appears twice"),
        (GOOD.replace("budget;100", "budget;lots"), 4, "budget 'lots' is not a number"),
        (GOOD.replace("b;1;41", "a;1;41"), 14, "voter id a appears twice"),
        (GOOD.replace("1;60;Benches", "1;sixty;Benches"), 9, "not a number"),
        (GOOD.replace("vote_type;approval", "vote_type;yes-no"), 5, "vote_type"),
        (GOOD.replace("a;1,2;30", "a;1,2"), 13, "expected 3 fields"),
        (CUMULATIVE.replace("b;2;5", "b;2;6"), 13, "more than the 5 allowed"),
        (CUMULATIVE.replace("a;1,2;3,2", "a;1,2;3"), 12, "2 projects but 1 points"),
        (
            GOOD.replace("currency;GBP", "max_sum_cost;100"),
            13,
            "costing 110 in total, more than the 100 allowed",
        ),
        ("hello;world\n", 1, "must start with a META section"),
    ],
)
def test_malformed_files_name_the_line(text: str, line: int | None, words: str) -> None:
    with pytest.raises(PabulibFormatError) as caught:
        read_pb(text)
    assert words in str(caught.value)
    if line is not None:
        assert caught.value.line == line
        assert str(caught.value).startswith(f"line {line}: ")


def test_missing_file_is_a_tally_error(tmp_path: Path) -> None:
    with pytest.raises(TallyError, match="cannot read"):
        read_pb(tmp_path / "nope.pb")


def test_python_built_data_is_checked() -> None:
    with pytest.raises(InvalidInstanceError, match="negative"):
        Project("a", -1)
    with pytest.raises(InvalidInstanceError, match="appears twice"):
        Instance(10, [Project("a", 1), Project("a", 2)])
    with pytest.raises(InvalidInstanceError, match="whole number"):
        Instance(10.5, [])  # type: ignore[arg-type]


LINES = GOOD.splitlines()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.integers(0, len(LINES) - 1),
            st.sampled_from(["delete", "dup", "replace", "insert"]),
            st.text(alphabet=st.sampled_from(list(';,"\n 0123456789abVOTESMETA-.')), max_size=12),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_fuzzed_files_raise_only_tally_errors(edits: list[tuple[int, str, str]]) -> None:
    lines = list(LINES)
    for index, action, text in edits:
        index = min(index, len(lines) - 1) if lines else 0
        if not lines:
            lines.append(text)
        elif action == "delete":
            del lines[index]
        elif action == "dup":
            lines.insert(index, lines[index])
        elif action == "replace":
            lines[index] = text
        else:
            lines.insert(index, text)
    try:
        instance, profile = read_pb("\n".join(lines) + "\n")
    except TallyError:
        return
    assert read_pb(dumps_pb(instance, profile)) == (instance, profile)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_raise_only_tally_errors(data: bytes) -> None:
    with contextlib.suppress(TallyError):
        read_pb(b"META\n" + data)


# --- Writer and reader agree on every character ---------------------------------------------

LINE_BREAKS = ["\n", "\r", "\r\n", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
INVISIBLE = ["\u200b", "\u200d", "\u200e", "\u202e", "\u2066", "\ufeff", "\x00", "\t", ";", '"']


def _instance_named(name: str, voter: str = "v1") -> tuple[Instance, Profile]:
    meta = {"description": name, "budget": "100"}
    instance = Instance(100, [Project("1", 60, name, {"note": name})], meta)
    profile = Profile.from_approvals({voter: ["1"]})
    instance.meta["vote_type"] = profile.vote_type
    return instance, profile


@pytest.mark.parametrize("char", INVISIBLE)
def test_a_name_with_any_other_character_reads_back_as_written(char: str) -> None:
    instance, profile = _instance_named(f"Benches{char}for the park")
    text = dumps_pb(instance, profile)
    assert read_pb(text) == (instance, profile)
    # pabutools, the reference reader, splits lines on every Unicode line break: it reads it too.
    pabulib = pytest.importorskip("pabutools.election.pabulib")
    p_instance, p_profile = pabulib.parse_pabulib_from_string(text)
    assert [p.name for p in p_instance] == ["1"] and len(p_profile) == 1


@pytest.mark.parametrize("char", LINE_BREAKS)
def test_the_writer_refuses_every_line_break_any_reader_splits_on(char: str) -> None:
    # U+2028 and friends used to be written, then split the line on reading: the file was lost.
    instance, profile = _instance_named(f"Benches{char}for the park")
    with pytest.raises(TallyError, match="line break"):
        dumps_pb(instance, profile)


@pytest.mark.parametrize("char", [c for c in LINE_BREAKS if c not in "\r\n"])
def test_the_reader_splits_lines_on_newline_only(char: str) -> None:
    text = GOOD.replace("Benches for the park", f"Benches{char}for the park")
    instance, _ = read_pb(text)
    assert instance.projects["1"].name == f"Benches{char}for the park"


@pytest.mark.parametrize("name", [" padded", "padded\u00a0", "\tpadded"])
def test_the_writer_refuses_white_space_the_reader_strips(name: str) -> None:
    instance, profile = _instance_named(name)
    with pytest.raises(TallyError, match="white space"):
        dumps_pb(instance, profile)


def test_crlf_and_cr_files_read_like_lf_files() -> None:
    expected = read_pb(GOOD)
    assert read_pb(GOOD.replace("\n", "\r\n")) == expected
    assert read_pb(GOOD.replace("\n", "\r")) == expected


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.text(
        alphabet=st.sampled_from([c for c in LINE_BREAKS + INVISIBLE if len(c) == 1] + list("a ;é"))
        | st.characters()
    ),
    voter=st.text(min_size=1),
    extra=st.text(),
)
def test_whatever_the_writer_accepts_reads_back_equal(name: str, voter: str, extra: str) -> None:
    instance, profile = _instance_named(name, voter)
    profile.ballots[0].extra["note"] = extra
    try:
        text = dumps_pb(instance, profile)
    except TallyError:
        # Refused only for a line break or white space the reader strips (or a section name).
        assert any(
            v != v.strip()
            or len(f"a{v}a".splitlines()) > 1
            or v.strip().lower() in ("meta", "projects", "votes")
            for v in (name, voter, extra)
        )
        return
    assert read_pb(text) == (instance, profile)
