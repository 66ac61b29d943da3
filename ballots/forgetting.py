"""Forgetting who cast what, at close (and cancel): the ballots and the register written again
in a random order, without links between voters, codes and ballots or dates of casting (see
"What is stored about voters" in the README)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import connection
from django.utils import timezone

from ballots.counting import shuffled
from ballots.models import Ballot, BallotStatus, Voter
from budgets.models import Round


def forget_casting(round: Round) -> None:
    """Cut every link between voters, codes and ballots, and every trace of casting order.

    Inside close_round's (or cancel's) transaction, after the last seal and the count. The
    ballots (live and replaced: a receipt must still say which) and the register are written
    again as new row versions with fresh ids, their order drawn from a cryptographic random
    source, without voter, code or date of casting (every row gets the day of close). On
    PostgreSQL the ballots swap contents in place by a random permutation (`_permute_in_place`);
    the register (whose unique key casting's ON CONFLICT needs checked row by row) and SQLite's
    ballots are deleted and inserted again in a random order (`_rewrite_shuffled`).
    `lifecycle.reclaim_space` then, after commit, rewrites the code rows and removes the old row
    versions.
    """
    today = timezone.localdate()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # Deleted rows are overwritten with zeros instead of left in free pages.
            cursor.execute("PRAGMA secure_delete = ON")
        else:
            # Sort the rows in memory, not in temporary files (this transaction only).
            cursor.execute("SET LOCAL work_mem = '256MB'")
            # Check the rewritten rows' foreign keys as each statement ends, not at commit: at
            # close that work then overlaps the count, which runs in another thread meanwhile.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        ballot_overrides = {"voter_id": None, "cast_on": today, "sealed": True}
        # Every ballot is sealed by now: a replaced one's supersession with it.
        superseded = {"superseded_sealed": f"t.status = '{BallotStatus.REPLACED.value}'"}
        if connection.vendor == "postgresql":
            _permute_in_place(cursor, Ballot, round.pk, ballot_overrides, superseded)
        else:
            _rewrite_shuffled(cursor, Ballot, round.pk, ballot_overrides, superseded)
        _rewrite_shuffled(cursor, Voter, round.pk, {"voting_code_id": None, "created_on": today})
        if connection.vendor != "sqlite":
            # Django's defaults for what follows (foreign keys at commit, receipts at once).
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute("SET CONSTRAINTS uq_ballot_receipt IMMEDIATE")


def _permute_in_place(
    cursor: Any,
    model: type[Ballot],
    round_id: int,
    overrides: dict[str, Any],
    expressions: Mapping[str, str],
) -> None:
    """PostgreSQL: give each of a round's rows the contents of another, drawn by a random
    permutation, and a fresh id, in one UPDATE.

    Row k (in the order of ids) receives every column of the row ranked k by `gen_random_uuid`
    (PostgreSQL's strong random source), with `overrides` and `expressions` applied, and a new
    id from the table's sequence; the round does not change. Both ranks are explicit orders, so
    whatever plan PostgreSQL picks the pairing is a uniform random permutation. Each new row
    version is written where and when the UPDATE reaches its row, which has nothing to do with
    the contents it receives: ids, physical places and contents are unrelated to the order of
    casting. Cheaper than deleting and inserting: no foreign-key check runs (the round is
    unchanged, the voter NULL), and only one pass over the rows is sorted. Every unique key that
    moves between rows must be checked as the statement ends (uq_ballot_receipt is deferrable).
    """
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    fields = [
        f for f in model._meta.concrete_fields if not f.primary_key and f.column != "round_id"
    ]
    sets = [f"{quote(model._meta.pk.column)} = DEFAULT"]  # the sequence's next value
    params: list[Any] = []
    for f in fields:
        column = quote(f.column)
        if f.column in expressions:
            # Constant SQL of this module, never user input; `t.` names the source row.
            sets.append(f"{column} = {expressions[f.column].replace('t.', 's.')}")
        elif f.column in overrides:
            sets.append(f"{column} = CAST(%s AS {f.db_type(connection)})")
            params.append(overrides[f.column])
        else:
            sets.append(f"{column} = s.{column}")
    pk = quote(model._meta.pk.column)
    carried = ", ".join(quote(f.column) for f in fields if f.column not in overrides)
    # Hash joins only: the row estimates for a round just voted in can be far off, and a nested
    # loop picked on a wrong estimate would be quadratic. For this statement only.
    cursor.execute("SELECT current_setting('enable_nestloop')")
    (nestloop,) = cursor.fetchone()
    cursor.execute("SET LOCAL enable_nestloop = off")
    cursor.execute(
        # MATERIALIZED: both ranks from one scan. The target row is found by its physical
        # place (ctid), and stays in its round.
        f"WITH drawn AS MATERIALIZED (SELECT ctid AS place, "  # noqa: S608
        f"row_number() OVER (ORDER BY {pk}) AS slot, "
        f"row_number() OVER (ORDER BY gen_random_uuid()) AS pick, {carried} "
        f"FROM {table} WHERE round_id = %s) "
        f"UPDATE {table} t SET {', '.join(sets)} "
        "FROM drawn d JOIN drawn s ON s.pick = d.slot "
        "WHERE t.ctid = d.place AND t.round_id = %s",
        [round_id, *params, round_id],
    )
    cursor.execute("SELECT set_config('enable_nestloop', %s, true)", [nestloop])


def _rewrite_shuffled(
    cursor: Any,
    model: type[Ballot] | type[Voter],
    round_id: int,
    overrides: dict[str, Any],
    expressions: Mapping[str, str] | None = None,
) -> None:
    """Replace a round's rows of `model` by copies inserted in a cryptographically random order.

    Set-based: the old rows are deleted and inserted again sorted by a random key, so new ids
    (from the table's ever-increasing sequence) and physical places follow it. PostgreSQL draws
    the key in the statement (`gen_random_uuid`: 122 bits from its strong random source, which
    `setseed` does not touch): no id travels to Python and back. SQLite gets the ids' order from
    `shuffled` (the operating system's source) in a temporary table. Every column is copied, so
    a field added later is kept without change here.
    """
    quote = connection.ops.quote_name
    postgres = connection.vendor == "postgresql"
    table = quote(model._meta.db_table)
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]

    def value(f: Any, row: str) -> str:
        if expressions and f.column in expressions:
            # Constant SQL of this module, never user input; `t.` names the old row.
            return expressions[f.column].replace("t.", f"{row}.")
        if f.column not in overrides:
            return f"{row}.{quote(f.column)}"
        # PostgreSQL needs the type of a NULL; SQLite would turn a date into a number.
        return f"CAST(%s AS {f.db_type(connection)})" if postgres else "%s"

    names = ", ".join(quote(f.column) for f in fields)
    params = [overrides[f.column] for f in fields if f.column in overrides]
    if postgres:
        # One statement: the old rows are deleted and their copies inserted in the drawn order
        # (a row deleted by this statement no longer holds its receipt's unique key).
        picked = ", ".join(value(f, "old") for f in fields)
        cursor.execute(
            f"WITH old AS (DELETE FROM {table} WHERE round_id = %s RETURNING *) "  # noqa: S608
            f"INSERT INTO {table} ({names}) SELECT {picked} FROM old ORDER BY gen_random_uuid()",
            [round_id, *params],
        )
        return
    cursor.execute(f"SELECT id FROM {table} WHERE round_id = %s", [round_id])  # noqa: S608
    ids = shuffled([row[0] for row in cursor.fetchall()])
    if not ids:
        return
    cursor.execute("DROP TABLE IF EXISTS cc_close_rank")
    cursor.execute("DROP TABLE IF EXISTS cc_close_rows")
    cursor.execute("CREATE TEMPORARY TABLE cc_close_rank (old_id bigint PRIMARY KEY, rank integer)")
    cursor.executemany(
        "INSERT INTO cc_close_rank (old_id, rank) VALUES (%s, %s)",
        [(old, rank) for rank, old in enumerate(ids)],
    )
    picked = ", ".join(f"{value(f, 't')} AS {quote(f.column)}" for f in fields)
    cursor.execute(
        f"CREATE TEMPORARY TABLE cc_close_rows AS SELECT r.rank AS cc_rank, {picked} "  # noqa: S608
        f"FROM {table} t JOIN cc_close_rank r ON r.old_id = t.id",
        params,
    )
    cursor.execute(f"DELETE FROM {table} WHERE round_id = %s", [round_id])  # noqa: S608
    cursor.execute(
        f"INSERT INTO {table} ({names}) SELECT {names} FROM cc_close_rows ORDER BY cc_rank"  # noqa: S608
    )
    cursor.execute("DROP TABLE cc_close_rows")
    cursor.execute("DROP TABLE cc_close_rank")
