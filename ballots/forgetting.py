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
    again as new rows with fresh ids, in an order drawn from a cryptographic random source,
    without voter, code or date of casting (every row gets the day of close); the old rows are
    deleted (`_rewrite_shuffled`). (Moving the ballots' contents between rows in one UPDATE was
    measured: no cheaper, since the receipts' unique key then has to be re-checked row by row.)
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
        _rewrite_shuffled(
            cursor,
            Ballot,
            round.pk,
            {"voter_id": None, "cast_on": today, "sealed": True},
            # Every ballot is sealed by now: a replaced one's supersession with it.
            {"superseded_sealed": f"t.status = '{BallotStatus.REPLACED.value}'"},
        )
        _rewrite_shuffled(cursor, Voter, round.pk, {"voting_code_id": None, "created_on": today})
        if connection.vendor != "sqlite":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's default, for what follows


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
