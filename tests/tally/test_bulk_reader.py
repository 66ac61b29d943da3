"""The bulk VOTES reader gives exactly what the line-by-line reader gives: the same profile, the
same compiled matrix, the same results with the same ties and explanations, and the same errors;
and the fast exact grouping of MES payment histories equals numpy's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from generators import random_instance
from hypothesis import given, settings
from hypothesis import strategies as st

from ballots.tally import PabulibFormatError, dumps_pb, read_pb, tally
from ballots.tally._matrix import ProfileMatrix
from ballots.tally.mes import _unique_rows
from ballots.tally.pabulib import _lines, _read_lines


def line_by_line(text: str):  # type: ignore[no-untyped-def]
    read = _read_lines(_lines(text), bulk=None)
    assert read is not None
    return read


def same_matrix(a: ProfileMatrix, b: ProfileMatrix) -> bool:
    return (
        a.pids == b.pids
        and a.costs == b.costs
        and a.n_voters == b.n_voters
        and a.total_weight == b.total_weight
        and all(np.array_equal(x, y) for x, y in zip(a.supporters, b.supporters, strict=True))
        and all(np.array_equal(x, y) for x, y in zip(a.weights, b.weights, strict=True))
    )


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 10**6))
def test_bulk_and_line_readers_count_alike(seed: int) -> None:
    instance, profile = random_instance(seed, max_projects=7, max_voters=15)
    text = dumps_pb(instance, profile)
    bulk_instance, bulk_profile = read_pb(text)
    line_instance, line_profile = line_by_line(text)
    assert len(bulk_profile) == len(line_profile)
    assert same_matrix(
        bulk_profile.matrix(bulk_instance), ProfileMatrix.build(line_instance, line_profile)
    )
    for rule in ("greedy", "mes", "mes-add1", "phragmen"):
        for sat in ("cost", "cardinality"):
            if rule in ("mes-add1", "phragmen") and sat != "cost":
                continue
            bulk = tally(bulk_instance, bulk_profile, rule, sat, check=False, workers=1)
            line = tally(line_instance, line_profile, rule, sat, check=False, workers=1)
            assert bulk.to_dict() == line.to_dict()
    assert (bulk_instance, bulk_profile) == (line_instance, line_profile)  # makes the Ballots


def test_shared_files_read_alike(pabulib: Path) -> None:
    bulk_used = 0
    for path in sorted(pabulib.glob("*.pb")):
        text = path.read_text(encoding="utf-8-sig")
        instance, profile = read_pb(path)
        bulk_used += profile._deferred is not None
        line_instance, line_profile = line_by_line(text)
        assert same_matrix(
            profile.matrix(instance), ProfileMatrix.build(line_instance, line_profile)
        )
        assert (instance, profile) == (line_instance, line_profile)
    assert bulk_used >= 5  # most shared approval files take the bulk path


HEAD = "META\nkey;value\nbudget;100\nvote_type;approval\nPROJECTS\nproject_id;cost\n1;60\n2;50\n"


@pytest.mark.parametrize(
    "votes",
    [
        "voter_id;vote\na;1,2\na;1\n",  # a voter twice
        "voter_id;vote\na;1,3\n",  # an unknown project
        "voter_id;vote\na;1\nb\n",  # a short line
        "voter_id;vote\na;1;x\n",  # a long line
        'voter_id;vote\na;"1,2\n',  # broken quoting
        "voter_id;vote\na;01,2\n",  # a project id written another way
        "voter_id;vote\na;+1\nb;2\n",
        "voter_id;vote\na;1\na ;2\n",  # a voter twice, once with a space
    ],
)
def test_bad_votes_give_the_line_readers_error(votes: str) -> None:
    with pytest.raises(PabulibFormatError) as bulk_error:
        read_pb(HEAD + "VOTES\n" + votes)
    with pytest.raises(PabulibFormatError) as line_error:
        line_by_line(HEAD + "VOTES\n" + votes)
    assert str(bulk_error.value) == str(line_error.value)


@pytest.mark.parametrize(
    "votes",
    [
        "voter_id;vote\na;1,2\nb;2,1\n",
        "voter_id;vote\na;1, 2\nb;2\n",  # spaces: the line reader strips them
        "voter_id;vote\na;1,1\nb;2\n",  # a project twice counts once
        'voter_id;vote\na;"1,2"\nb;2\n',  # quoted
        "voter_id;vote\r\na;1,2\r\nb;2\r\n",  # CRLF
        "voter_id;vote;age\na;1;30\nb;2; 41 \n",  # another column, kept stripped
        "voter_id;vote\na;1,2\n\nb;2\n",  # a blank line
        "voter_id;vote\n a;1\nb\t;2\n",  # voter ids with spaces around, stripped
        "voter_id;vote\na\u00a0;1\nb;2\n",  # a non-ASCII space
        "voter_id;vote\n10;1\n9;2\n",
    ],
)
def test_unusual_votes_read_as_the_line_reader_reads_them(votes: str) -> None:
    text = HEAD + "VOTES\n" + votes
    instance, profile = read_pb(text)
    line_instance, line_profile = line_by_line(text)
    assert same_matrix(profile.matrix(instance), ProfileMatrix.build(line_instance, line_profile))
    assert (instance, profile) == (line_instance, line_profile)


@settings(max_examples=80, deadline=None)
@given(
    st.integers(1, 40),
    st.lists(st.tuples(st.booleans(), st.integers(1, 3)), min_size=1, max_size=12),
    st.integers(0, 10**6),
)
def test_history_grouping_equals_numpy_unique(
    rows: int, shape: list[tuple[bool, int]], seed: int
) -> None:
    rng = np.random.default_rng(seed)
    columns = []
    for flat, spread in shape:
        if flat:
            columns.append(rng.integers(0, 2, rows) * spread)
        else:
            columns.append(rng.integers(0, spread + 1, rows))
    history, inverse = _unique_rows(columns, [flat for flat, _ in shape])
    expected, expected_inverse = np.unique(np.stack(columns, axis=1), axis=0, return_inverse=True)
    assert np.array_equal(history, expected)
    assert np.array_equal(inverse, expected_inverse.reshape(-1))
