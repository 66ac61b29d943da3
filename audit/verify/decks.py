"""Test counts (round.test_count_passed / round.test_count_failed): each event's deck, a Pabulib
file in its payload, hashes to the recorded deck_sha256; and, where ballots.tally is installed,
re-running the recorded rule on a passed deck selects exactly the recorded projects."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from audit import kinds
from audit.verify.failures import Failure
from audit.verify.recount import recount_deck
from audit.verify.scan import LedgerScan

TEST_COUNT_KINDS = (kinds.ROUND_TEST_COUNT_PASSED, kinds.ROUND_TEST_COUNT_FAILED)


@dataclass
class DeckReport:
    decks: int  # decks whose hash was checked
    recounted: int  # passed decks counted again with ballots.tally (0 when it is not installed)
    failed: int  # test counts recorded as failed


def check_test_decks(scan: LedgerScan, label: str) -> DeckReport:
    decks = recounted = failed = 0
    for n, event in scan.notable:
        if event["kind"] not in TEST_COUNT_KINDS:
            continue
        payload = event["payload"]
        passed = event["kind"] == kinds.ROUND_TEST_COUNT_PASSED
        failed += not passed
        deck = payload.get("deck_pb")
        if not isinstance(deck, str) or not deck:
            if passed:
                raise Failure(f"{label} line {n}", "a passed test count records no deck")
            continue
        decks += 1
        digest = hashlib.sha256(deck.encode("utf-8")).hexdigest()
        if digest != payload.get("deck_sha256"):
            raise Failure(
                f"{label} line {n}",
                f"the test deck's SHA-256 is {digest[:16]}…, not the recorded "
                f"{str(payload.get('deck_sha256'))[:16]}…",
            )
        if not passed:
            continue
        rule, sat = payload.get("rule"), payload.get("sat", "cost")
        try:
            again = recount_deck(deck, rule, sat)
        except ValueError as exc:
            raise Failure(f"{label} line {n}", f"re-counting the test deck failed: {exc}") from None
        if again is None:
            continue  # ballots.tally is not installed: the summary says so
        if again != payload.get("selected") or again != payload.get("expected"):
            raise Failure(
                f"{label} line {n}",
                f"re-counting the test deck with {rule} ({sat}) selects {again}, but the passed "
                f"test count records {payload.get('selected')} (expected "
                f"{payload.get('expected')})",
            )
        recounted += 1
    return DeckReport(decks, recounted, failed)
