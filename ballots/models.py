"""Voting codes, the mark-off register, ballots, paper batches and results.

Secrecy by design: a ballot is linked to its voter (through the register) only while voting is
open, so that a voter can replace it; closing the round cuts that link for good, rewriting the
ballots and the register as new rows in a random order (`services.forget_casting`), so that not
even ids, physical order or dates tell who cast which ballot or in what order. The register keeps
who voted (for turnout and to stop double voting), never how.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from budgets.models import Round, TwoCouncillorRequest


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    PAPER = "paper", _("Paper")


class EligibilityBasis(models.TextChoices):
    LIVE = "live", _("Lives in the area")
    WORK = "work", _("Works in the area")
    STUDY = "study", _("Studies in the area")


class VotingCode(models.Model):
    """A one-time voting code, stored only as an HMAC under a key kept outside the database."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="voting_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"code #{self.pk} ({self.round_id})"

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class CodeBatch(models.Model):
    """One batch of codes issued from the voting desk, so the same form sent twice (a double
    click, back-and-resubmit) answers the same codes instead of issuing a second batch.

    The codes are derived from a random secret carried by the desk's form and the round's
    voting-code key (`codes.batch_codes`); `secret_hash` is a keyed hash of that secret under
    another label, from which neither the secret nor a code can be derived."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    secret_hash = models.CharField(max_length=64, unique=True)
    count = models.PositiveIntegerField()
    language = models.CharField(max_length=10)
    polling_place = models.ForeignKey(
        "budgets.PollingPlace", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    issued_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"code batch #{self.pk} ({self.round_id})"


class Voter(models.Model):
    """The mark-off register: one row per person or code that has voted in a round.

    `key` is an HMAC of the code or of the signed-in person's id, so the register never holds a
    code or an account in clear. One row per (round, key) covers both channels. `voting_code`
    links the row to its code only while voting is open; at close every row of the round is
    written again in a random order without it, dated the day of close.
    """

    # Indexed by uq_voter_round_key (round first).
    round = models.ForeignKey(
        Round, on_delete=models.PROTECT, related_name="voters", db_index=False
    )
    key = models.CharField(max_length=64)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    # One register row per code, enforced by uq_voter_voting_code only while the link exists:
    # after close every row holds NULL, which a plain unique index would still store.
    voting_code = models.ForeignKey(
        VotingCode,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="voters",
        db_index=False,
    )
    account_key = models.CharField(
        max_length=64,
        blank=True,
        help_text="HMAC of the signed-in account that voted with a code, so the account is "
        "marked off too (one person, one ballot, whatever the channel).",
    )
    basis = models.CharField(
        max_length=10,
        choices=EligibilityBasis.choices,
        blank=True,
        help_text="The voter's declaration as given (lives, works or studies in the area).",
    )
    created_on = models.DateField(default=timezone.localdate)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "key"], name="uq_voter_round_key"),
            models.UniqueConstraint(
                fields=["round", "account_key"],
                condition=~Q(account_key=""),
                name="uq_voter_round_account_key",
            ),
            models.UniqueConstraint(
                fields=["voting_code"],
                condition=Q(voting_code__isnull=False),
                name="uq_voter_voting_code",
            ),
        ]

    def __str__(self) -> str:
        return f"voter in round {self.round_id} ({self.channel})"


class Participation(models.Model):
    """One person's part in a budget year's votes, across wards.

    `person_key` is an HMAC of the account for the budget year (never the account id), so the
    city can hold a person to one ward's vote a year (settings.WARD_VOTES_PER_YEAR) without
    keeping who they are.
    """

    person_key = models.CharField(max_length=64)
    budget_year = models.PositiveSmallIntegerField()
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="participations")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person_key", "round"], name="uq_participation_person_round"
            ),
        ]
        indexes = [
            models.Index(fields=["person_key", "budget_year"], name="ix_participation_person_yr")
        ]

    def __str__(self) -> str:
        return f"participation in round {self.round_id} ({self.budget_year})"


class CastToken(models.Model):
    """A one-time token from the review step: a second submission of the same confirmation
    (refresh, back-and-resubmit, double click) shows the first one's receipt instead of casting
    again. Deleted when the round closes."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    nonce_hash = models.CharField(max_length=64, unique=True)
    receipt = models.CharField(max_length=24)
    replaced = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"cast token ({self.round_id})"


class BallotStatus(models.TextChoices):
    LIVE = "live", "Live"
    REPLACED = "replaced", "Replaced"


class Ballot(models.Model):
    """One ballot's contents. While voting, `voter` links it to the register so the voter can
    replace it; closing rewrites every ballot as a new row, in a random order, without that link
    and with the day of close as `cast_on` (secret ballot: see `services.forget_casting`)."""

    # Indexed by ix_ballot_round_status (round first): a second index would only slow the
    # inserts of a busy vote and the rewrite at close.
    round = models.ForeignKey(
        Round, on_delete=models.PROTECT, related_name="ballots", db_index=False
    )
    # Indexed by ix_ballot_voter, only while the link exists: a closed round's ballots (every
    # one without a voter) add nothing to it, nor to uq_ballot_live_per_voter.
    # No foreign key in the database (db_constraint=False), on purpose: closing deletes and
    # writes again every register row of the round, and the key's check ran one query per
    # deleted row (about 1 s of a 100,000-ballot close). The link cannot dangle: a ballot and
    # the register row it points to are written in one transaction, holding the round's row
    # shared (casting.cast_ballot; paper's batch acceptance) and the code's or the person's
    # lock; register rows are never deleted while a round votes (only forget_casting rewrites
    # them, at close or cancel, with the round's row locked for update and after setting every
    # ballot's voter to NULL in the same transaction); and the round is never deleted
    # (PROTECT). tests/ballots/test_no_dangling_voter.py checks it after every path that writes
    # the link.
    voter = models.ForeignKey(
        Voter,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ballots",
        db_index=False,
        db_constraint=False,
    )
    receipt = models.CharField(
        max_length=24,
        help_text="The voter's tracker code; published as the ballot's id in ballots.pb.",
    )
    status = models.CharField(max_length=10, choices=BallotStatus.choices, default="live")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    selection = models.JSONField(
        null=True,
        help_text="Project ids (knapsack/approval), {id: points} (cumulative) or a ranking; "
        "emptied when the ballot is replaced.",
    )
    commitment = models.CharField(max_length=64)
    assisted = models.BooleanField(
        default=False,
        help_text="Cast with a code by a councillor or clerk helping the voter (help desk).",
    )
    sealed = models.BooleanField(default=False)
    superseded_sealed = models.BooleanField(
        default=False, help_text="A replaced ballot whose supersession is sealed in the ledger."
    )
    cast_on = models.DateField(default=timezone.localdate)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "voter"],
                condition=Q(status="live", voter__isnull=False),
                name="uq_ballot_live_per_voter",
            ),
            # A constraint, not unique=True: no second (LIKE) index on PostgreSQL, where
            # receipts are only ever looked up whole.
            models.UniqueConstraint(fields=["receipt"], name="uq_ballot_receipt"),
        ]
        indexes = [
            models.Index(fields=["round", "status"], name="ix_ballot_round_status"),
            models.Index(
                fields=["voter"], condition=Q(voter__isnull=False), name="ix_ballot_voter"
            ),
            # Only unsealed ballots (fewer than a batch, usually) are in it: counting is cheap.
            models.Index(
                fields=["round"], condition=Q(sealed=False), name="ix_ballot_round_unsealed"
            ),
        ]

    def __str__(self) -> str:
        return f"ballot #{self.pk} ({self.round_id}, {self.status})"


class PaperBatch(models.Model):
    """Paper ballots from one polling place, entered twice by two different people."""

    class Status(models.TextChoices):
        AWAITING_SECOND = "awaiting_second", "Awaiting second entry"
        DISAGREE = "disagree", "Entries disagree"
        ACCEPTED = "accepted", "Accepted"

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="paper_batches")
    polling_place = models.CharField(max_length=120)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.AWAITING_SECOND)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "polling_place"], name="uq_paperbatch_round_place"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.polling_place} ({self.get_status_display()})"

    @property
    def awaiting_second_entry(self) -> bool:
        return self.status == self.Status.AWAITING_SECOND

    @property
    def entries_disagree(self) -> bool:
        return self.status == self.Status.DISAGREE


class PaperEntry(models.Model):
    """One person's keying of a batch: the ballot-paper account and every ballot.

    Each ballot is {"code": ..., "selection": ...} while the batch is unresolved; once it is
    accepted (or the round closes) the code is replaced by "code_hmac" (see services).
    """

    batch = models.ForeignKey(PaperBatch, on_delete=models.CASCADE, related_name="entries")
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued = models.PositiveIntegerField()
    spoilt = models.PositiveIntegerField()
    unused = models.PositiveIntegerField()
    cast = models.PositiveIntegerField()
    ballots = models.JSONField(help_text='[{"code": "...", "selection": ...}, ...]')
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(issued=models.F("spoilt") + models.F("unused") + models.F("cast")),
                name="ck_paperentry_account_balances",
            ),
        ]

    def __str__(self) -> str:
        return f"entry of {self.batch}"


class PaperRejection(models.Model):
    """A paper ballot that did not count, and why (the reason is public; the code is not)."""

    batch = models.ForeignKey(PaperBatch, on_delete=models.CASCADE, related_name="rejections")
    position = models.PositiveIntegerField(help_text="The ballot's place in the batch, from 1.")
    reason = models.CharField(max_length=300)

    class Meta:
        ordering = ["batch", "position"]

    def __str__(self) -> str:
        return f"{self.batch} #{self.position}: {self.reason}"


class Result(models.Model):
    """The tallied outcome of a closed round, and its publication."""

    round = models.OneToOneField(Round, on_delete=models.PROTECT, related_name="result")
    result_json = models.JSONField()
    result_text = models.TextField(
        default="", help_text="result.json exactly as published; result_sha256 is over these bytes."
    )
    result_sha256 = models.CharField(max_length=64)
    ballots_pb = models.TextField(help_text="The anonymised ballots as a Pabulib file.")
    ballots_sha256 = models.CharField(max_length=64)
    comparison = models.JSONField(default=list)
    online_turnout = models.PositiveIntegerField(default=0)
    paper_turnout = models.PositiveIntegerField(default=0)
    closed_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    space_reclaimed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the old row versions of the ballots rewritten at close were removed "
        "(VACUUM on PostgreSQL); empty until then, and advance_rounds retries.",
    )
    personal_data_purged_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When what identified the round's voters was deleted, its challenge period "
        "over (ballots.retention); empty until then.",
    )
    publish_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"result of {self.round}"


class EarlyCloseRequest(TwoCouncillorRequest):
    """A councillor's request to close voting before its end date; a second councillor of the
    ward approves it (the request and its public reason are ledger events)."""

    round = models.OneToOneField(Round, on_delete=models.CASCADE, related_name="early_close")

    def __str__(self) -> str:
        return f"early close of round {self.round_id}"
