"""Budget rounds, their phases and ballot settings, citizen proposals and their public reviews.

Longer than the house's ~400 lines on purpose: rounds, proposals and reviews are one aggregate
whose constraints refer to each other (costs against budgets, reviews against proposals), and
Django finds an app's models in one module; their QuerySets stay beside them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wards.models import Membership, Neighbourhood, Role, Ward
from wards.money import MAX_PENCE, TOO_MUCH

# A signed-in Django user, an AnonymousUser, or None for the scheduler (wards.access takes the
# same). Every budgets function that takes a person types it with this alias.
UserLike = Any


class Phase(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PROPOSALS = "proposals", _("Proposals open")
    REVIEW = "review", _("Review")
    # Optional: only rounds whose support_stage places it (before review, or before voting).
    SUPPORT = "support", _("Support")
    VOTING = "voting", _("Voting")
    CLOSED = "closed", _("Closed")
    PUBLISHED = "published", _("Published")
    # Terminal, and off the one-step order: a round can be cancelled from draft up to voting.
    CANCELLED = "cancelled", _("Cancelled")


# A phase date outside these years is a typing slip; far back, it cannot even be written as an
# RFC 3339 date-time in local time (London's 1847 offset had seconds in it).
PHASE_YEARS = (2000, 2199)
PHASE_YEARS_MESSAGE = f"Give a date between the years {PHASE_YEARS[0]} and {PHASE_YEARS[1]}."

# Counts (points, choices, support limits, shortlist sizes) are PositiveIntegerFields: bounded
# to the range every database Django supports stores, so SQLite (which would store up to 2**63)
# and PostgreSQL refuse the same values with the same form error.
MAX_COUNT = 2_147_483_647
COUNT_VALIDATORS = [MaxValueValidator(MAX_COUNT)]

# The phases every round lives through in order, one step at a time (cancelled is not a step;
# support is a step only where a round's support_stage puts it: Round.phase_order).
PHASE_ORDER = [p.value for p in Phase if p not in (Phase.CANCELLED, Phase.SUPPORT)]
# Phases a round can be cancelled from: by one councillor before voting opens; with a second
# councillor's approval once it has (budgets.services.cancelling). A closed round's votes are
# counted and its result bound in the ledger: from then on only publication goes on.
CANCELLABLE_PHASES: frozenset[str] = frozenset(
    {Phase.DRAFT, Phase.PROPOSALS, Phase.REVIEW, Phase.SUPPORT, Phase.VOTING}
)
MAX_PUBLIC_REASON = 500


class BallotType(models.TextChoices):
    KNAPSACK = "knapsack", _("Knapsack: choose projects whose total cost fits the budget")
    APPROVAL = "approval", _("Approval: choose between a minimum and maximum number of projects")
    CUMULATIVE = "cumulative", _("Cumulative: spread a number of points across projects")
    RANKED = "ranked", _("Ranked: put your favourite projects in order")


class Rule(models.TextChoices):
    GREEDY = "greedy", _("Greedy: fund projects in order of votes, skipping any that no longer fit")
    OPTIMAL = (
        "optimal",
        _("Optimal: the set of projects that fits the budget with the most support"),
    )
    MES = "mes", _("Equal Shares: each voter controls an equal share of the budget")
    MES_ADD1 = "mes-add1", _("Equal Shares as Assen and Świecie ran it, then filled greedily")
    PHRAGMEN = "phragmen", _("Phragmén: spread the cost of each project evenly across supporters")


class Sat(models.TextChoices):
    COST = "cost", _("Cost: a voter's satisfaction is the money spent on projects they chose")
    CARDINALITY = "cardinality", _("Cardinality: the number of chosen projects funded")


# Which tallying rules each ballot type can feed: the core's table (ballots.tally.core
# rules_for_vote_type), restated because budgets may not import the core;
# tests/budgets/test_rule_table.py keeps the two equal.
ALLOWED_RULES: dict[str, frozenset[str]] = {
    BallotType.KNAPSACK: frozenset({"greedy", "optimal", "mes", "mes-add1", "phragmen"}),
    BallotType.APPROVAL: frozenset({"greedy", "optimal", "mes", "mes-add1", "phragmen"}),
    BallotType.CUMULATIVE: frozenset({"greedy", "optimal", "mes", "mes-add1"}),
    BallotType.RANKED: frozenset({"greedy"}),
}
# Rules whose satisfaction measure can be chosen; the others always use cost satisfaction.
RULES_WITH_SAT = frozenset({"greedy", "optimal", "mes"})
# Ballot commitments are sealed in batches of at least K: fewer would let the ledger's timing
# point at a voter; more than the upper bound would leave everything unsealed until close.
SEAL_BATCH_MIN = 25
SEAL_BATCH_MAX = 1000
SEAL_BATCH_MESSAGE = (
    f"Seal between {SEAL_BATCH_MIN} and {SEAL_BATCH_MAX} ballots at a time: fewer could point at "
    "a voter, more would leave ballots unsealed until the round closes."
)


class SupportStage(models.TextChoices):
    NONE = "none", "No support stage"
    BEFORE_REVIEW = "before_review", "Before review: councillors review only the shortlist"
    BEFORE_VOTING = "before_voting", "Before voting: only the shortlist goes on the ballot"


# Where the support phase sits in a round's order: after this phase, before the next.
SUPPORT_AFTER: dict[str, str] = {
    SupportStage.BEFORE_REVIEW: Phase.PROPOSALS,
    SupportStage.BEFORE_VOTING: Phase.REVIEW,
}
SUPPORT_RULE_MESSAGE = (
    "Say how the shortlist is made: a number of supports a proposal needs, how many proposals "
    "go through, or both."
)


# The phases after voting ends: the round's settings are final and its result is (being) counted.
FINISHED_PHASES: frozenset[str] = frozenset({Phase.CLOSED, Phase.PUBLISHED})


# Only those who manage the ward see these: drafts, and drafts cancelled before anyone saw them.
PRIVATE_ROUNDS = Q(phase=Phase.DRAFT) | Q(phase=Phase.CANCELLED, cancelled_from=Phase.DRAFT)


class RoundQuerySet(models.QuerySet["Round"]):
    def for_ward(self, ward: Ward) -> RoundQuerySet:
        return self.filter(ward=ward)

    def in_phase(self, *phases: str) -> RoundQuerySet:
        return self.filter(phase__in=phases)

    def public(self) -> RoundQuerySet:
        """Rounds the public can see: every phase but draft (and a draft cancelled as such)."""
        return self.exclude(PRIVATE_ROUNDS)

    def holding_budget(self) -> RoundQuerySet:
        """Rounds whose budget comes out of their ward's chest: all but cancelled ones."""
        return self.exclude(phase=Phase.CANCELLED)

    def finished(self) -> RoundQuerySet:
        """Rounds whose voting has ended: closed or published."""
        return self.filter(phase__in=FINISHED_PHASES)

    def visible_to(self, user: UserLike) -> RoundQuerySet:
        """Public rounds, plus drafts in the wards the user manages (active staff: every draft).

        The same rule as budgets.access.can_see_round (wards.access.can for MANAGE_ROUND), as a
        filter; a test pins that the two agree."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.public()
        if user.is_staff:
            return self.all()
        managed = Membership.objects.filter(user=user, role=Role.COUNCILLOR)
        if managed.filter(ward__isnull=True).exists():
            return self.all()
        return self.filter(~PRIVATE_ROUNDS | Q(ward__in=managed.values("ward")))


class Round(models.Model):
    ward = models.ForeignKey(Ward, on_delete=models.PROTECT, related_name="rounds")
    neighbourhood = models.ForeignKey(
        Neighbourhood, on_delete=models.PROTECT, related_name="rounds", null=True, blank=True
    )
    title = models.CharField(max_length=150)
    description = models.TextField(max_length=5000, blank=True)
    budget_pence = models.PositiveBigIntegerField(
        validators=[MaxValueValidator(MAX_PENCE, message=TOO_MUCH)]
    )
    phase = models.CharField(max_length=20, choices=Phase.choices, default=Phase.DRAFT)

    proposals_start = models.DateTimeField(null=True, blank=True)
    proposals_end = models.DateTimeField(null=True, blank=True)
    review_start = models.DateTimeField(null=True, blank=True)
    review_end = models.DateTimeField(null=True, blank=True)
    voting_start = models.DateTimeField(null=True, blank=True)
    voting_end = models.DateTimeField(null=True, blank=True)

    ballot_type = models.CharField(
        max_length=20, choices=BallotType.choices, default=BallotType.KNAPSACK
    )
    rule = models.CharField(max_length=20, choices=Rule.choices, default=Rule.GREEDY)
    sat = models.CharField(max_length=20, choices=Sat.choices, default=Sat.COST)
    max_points = models.PositiveIntegerField(
        validators=COUNT_VALIDATORS,
        null=True,
        blank=True,
        help_text="Cumulative ballots: points each voter spreads.",
    )
    min_choices = models.PositiveIntegerField(
        validators=COUNT_VALIDATORS,
        null=True,
        blank=True,
        help_text="Approval ballots: fewest projects a voter must choose.",
    )
    max_choices = models.PositiveIntegerField(
        validators=COUNT_VALIDATORS,
        null=True,
        blank=True,
        help_text="Approval ballots: most projects a voter may choose; ranked ballots: how many "
        "projects a voter ranks.",
    )
    categories = models.JSONField(
        default=list, blank=True, help_text="The categories proposals can choose from."
    )

    eligible_live = models.BooleanField(default=True)
    eligible_work = models.BooleanField(default=True)
    eligible_study = models.BooleanField(default=True)
    min_age = models.PositiveSmallIntegerField(default=16)
    allow_postcode_voting = models.BooleanField(
        default=True, help_text="Signed-in residents whose postcode is in the ward may vote."
    )
    allow_code_voting = models.BooleanField(
        default=True, help_text="Holders of one-time voting codes may vote."
    )
    seal_batch_size = models.PositiveIntegerField(
        default=25,
        validators=[
            MinValueValidator(SEAL_BATCH_MIN, SEAL_BATCH_MESSAGE),
            MaxValueValidator(SEAL_BATCH_MAX, SEAL_BATCH_MESSAGE),
        ],
        help_text=f"Ballot commitments are sealed in the ledger in batches of at least this many "
        f"({SEAL_BATCH_MIN} to {SEAL_BATCH_MAX}), at most one batch an hour.",
    )
    settings_frozen_at = models.DateTimeField(null=True, blank=True, editable=False)

    # Support and shortlisting (budgets.services.support): an optional phase before review or
    # before voting, its rule frozen from when it opens (support_opened_at).
    support_stage = models.CharField(
        max_length=20, choices=SupportStage.choices, default=SupportStage.NONE
    )
    support_start = models.DateTimeField(null=True, blank=True)
    support_end = models.DateTimeField(null=True, blank=True)
    support_limit = models.PositiveIntegerField(
        validators=COUNT_VALIDATORS,
        null=True,
        blank=True,
        help_text="How many proposals each resident may support.",
    )
    shortlist_threshold = models.PositiveIntegerField(
        validators=COUNT_VALIDATORS,
        null=True,
        blank=True,
        help_text="Supports a proposal needs to be shortlisted.",
    )
    shortlist_top = models.PositiveIntegerField(
        validators=COUNT_VALIDATORS,
        null=True,
        blank=True,
        help_text="How many of the most supported proposals go through.",
    )
    support_opened_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The VOTING_CODE_KEY id this round's codes and register keys are hashed under, pinned on
    # first use (ballots.codes.pin_code_key) so rotating the key never re-opens a vote.
    code_key_id = models.CharField(max_length=32, blank=True, default="", editable=False)
    # Set together when the round is cancelled (budgets.services.cancelling); the reason is public.
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancelled_from = models.CharField(
        max_length=20, blank=True, default="", editable=False, choices=Phase.choices
    )
    cancel_reason = models.CharField(
        max_length=MAX_PUBLIC_REASON, blank=True, default="", editable=False
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RoundQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget_pence__gt=0), name="ck_round_budget_positive"
            ),
            models.CheckConstraint(
                condition=Q(budget_pence__lte=MAX_PENCE), name="ck_round_budget_at_most_max"
            ),
            models.CheckConstraint(
                condition=Q(seal_batch_size__gte=SEAL_BATCH_MIN)
                & Q(seal_batch_size__lte=SEAL_BATCH_MAX),
                name="ck_round_seal_batch_size_range",
            ),
            models.CheckConstraint(
                condition=Q(min_choices__isnull=True)
                | Q(max_choices__isnull=True)
                | Q(min_choices__lte=models.F("max_choices")),
                name="ck_round_min_choices_le_max",
            ),
            models.CheckConstraint(
                condition=Q(phase__in=Phase.values), name="ck_round_phase_valid"
            ),
            models.CheckConstraint(
                condition=~Q(phase=Phase.CANCELLED)
                | (
                    Q(cancelled_at__isnull=False)
                    & ~Q(cancel_reason="")
                    & Q(cancelled_from__in=sorted(CANCELLABLE_PHASES))
                ),
                name="ck_round_cancelled_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(support_stage=SupportStage.NONE)
                | (
                    Q(support_limit__gte=1)
                    & (Q(shortlist_threshold__gte=1) | Q(shortlist_top__gte=1))
                ),
                name="ck_round_support_rule_given",
            ),
        ]
        indexes = [models.Index(fields=["ward", "phase"], name="ix_round_ward_phase")]

    def __str__(self) -> str:
        return f"{self.title} ({self.ward.name})"

    def get_absolute_url(self) -> str:
        return reverse("budgets:round", kwargs={"round_id": self.pk})

    @property
    def has_support_stage(self) -> bool:
        return self.support_stage != SupportStage.NONE

    @property
    def phase_order(self) -> list[str]:
        """This round's phases in order: PHASE_ORDER, with support where support_stage puts it."""
        order = list(PHASE_ORDER)
        after = SUPPORT_AFTER.get(self.support_stage)
        if after is not None:
            order.insert(order.index(after) + 1, Phase.SUPPORT)
        return order

    @property
    def support_frozen(self) -> bool:
        """The support rule can no longer change: support has opened (or voting has)."""
        return self.support_opened_at is not None or self.settings_frozen

    @property
    def area_name(self) -> str:
        return self.neighbourhood.name if self.neighbourhood else self.ward.name

    @property
    def budget_year(self) -> int:
        """The council's budget year the vote belongs to (UK financial year: April to March),
        from when voting starts (or, before dates are set, when the round was created)."""
        moment = timezone.localtime(self.voting_start or self.created_at)
        return moment.year if moment.month >= 4 else moment.year - 1

    @property
    def finished(self) -> bool:
        """Voting has ended: the round is closed or published (RoundQuerySet.finished)."""
        return self.phase in FINISHED_PHASES

    @property
    def cancelled(self) -> bool:
        return self.phase == Phase.CANCELLED

    @property
    def private(self) -> bool:
        """Seen only by those who manage the ward (PRIVATE_ROUNDS)."""
        return self.phase == Phase.DRAFT or (
            self.phase == Phase.CANCELLED and self.cancelled_from == Phase.DRAFT
        )

    @property
    def settings_frozen(self) -> bool:
        return self.settings_frozen_at is not None

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.rule not in ALLOWED_RULES.get(self.ballot_type, frozenset()):
            errors["rule"] = (
                f"The {self.get_rule_display().split(':')[0]} rule cannot count "
                f"{self.ballot_type} ballots. Choose one of: "
                + ", ".join(
                    Rule(r).label.split(":")[0]
                    for r in sorted(ALLOWED_RULES.get(self.ballot_type, []))
                )
                + "."
            )
        if self.sat == Sat.CARDINALITY and self.rule not in RULES_WITH_SAT:
            errors["sat"] = "Only the greedy, optimal and equal-shares rules can count projects."
        if self.ballot_type == BallotType.CUMULATIVE and not self.max_points:
            errors["max_points"] = "Say how many points each voter can spread."
        if self.ballot_type == BallotType.RANKED and not self.max_choices:
            errors["max_choices"] = "Say how many projects each voter ranks."
        if (
            self.min_choices is not None
            and self.max_choices is not None
            and self.min_choices > self.max_choices
        ):
            errors["min_choices"] = "The minimum cannot be more than the maximum."
        if self.budget_pence is not None and self.budget_pence <= 0:
            errors["budget_pence"] = "The budget must be more than £0."
        if (
            self.neighbourhood is not None
            and self.ward_id
            and self.neighbourhood.ward_id != self.ward_id
        ):
            errors["neighbourhood"] = "That neighbourhood is not in this ward."
        if self.seal_batch_size is not None and not (
            SEAL_BATCH_MIN <= self.seal_batch_size <= SEAL_BATCH_MAX
        ):
            errors["seal_batch_size"] = SEAL_BATCH_MESSAGE
        if self.phase == Phase.CANCELLED and not (
            self.cancel_reason and self.cancelled_at and self.cancelled_from in CANCELLABLE_PHASES
        ):
            errors["phase"] = "A cancelled round needs its public reason (cancel it with one)."
        if self.support_stage != SupportStage.NONE:
            if not self.support_limit:
                errors["support_limit"] = "Say how many proposals each resident may support."
            if not (self.shortlist_threshold or self.shortlist_top):
                errors["shortlist_threshold"] = SUPPORT_RULE_MESSAGE
        if not (self.allow_postcode_voting or self.allow_code_voting):
            errors["allow_code_voting"] = "Allow at least one way to vote."
        pairs = [
            ("proposals_start", "proposals_end"),
            ("review_start", "review_end"),
            ("support_start", "support_end"),
            ("voting_start", "voting_end"),
        ]
        for name in (name for pair in pairs for name in pair):
            when = getattr(self, name)
            if when and not PHASE_YEARS[0] <= when.year <= PHASE_YEARS[1]:
                errors[name] = PHASE_YEARS_MESSAGE
        for start, end in pairs:
            a, b = getattr(self, start), getattr(self, end)
            if a and b and a >= b and end not in errors:
                errors[end] = "A phase must end after it starts."
        if errors:
            raise ValidationError(errors)


class ProposalStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    FEASIBLE = "feasible", _("Feasible")
    NOT_FEASIBLE = "not_feasible", _("Not feasible")
    MERGED = "merged", _("Merged")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    # Left off by the support phase's shortlist (Proposal.shortlist_missed_by says by how much).
    NOT_SHORTLISTED = "not_shortlisted", _("Not shortlisted")


# A proposal that was withdrawn, merged into another or left off the shortlist no longer
# stands: it cannot be reviewed, nor can anything be merged into it.
FALLEN_STATUSES: frozenset[str] = frozenset(
    {ProposalStatus.WITHDRAWN, ProposalStatus.MERGED, ProposalStatus.NOT_SHORTLISTED}
)

# The smallest cost a proposal (its estimate, or a reviewer's changed cost) may have: £1. The
# form, the API serializer, the services, clean() and a database constraint all use it.
MIN_COST_PENCE = 100
MIN_COST_MESSAGE = "The cost must be at least £1."


class ProposalQuerySet(models.QuerySet["Proposal"]):
    def on_ballot(self) -> ProposalQuerySet:
        return self.filter(status=ProposalStatus.FEASIBLE)

    def standing(self) -> ProposalQuerySet:
        """Proposals still standing: neither withdrawn nor merged into another."""
        return self.exclude(status__in=FALLEN_STATUSES)

    def visible(self) -> ProposalQuerySet:
        """What the public sees: everything but withdrawn proposals."""
        return self.exclude(status=ProposalStatus.WITHDRAWN)


MAX_TITLE = 120
MAX_SUMMARY = 300
MAX_DESCRIPTION = 5000
MAX_LOCATION = 200
MAX_PARTNER = 200
MAX_REASON = 2000


class Proposal(models.Model):
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="proposals")
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposals",
    )
    title = models.CharField(max_length=MAX_TITLE)
    summary = models.CharField(max_length=MAX_SUMMARY)
    description = models.TextField(max_length=MAX_DESCRIPTION)
    estimated_cost_pence = models.PositiveBigIntegerField(
        help_text="The proposer's estimate, in pence.",
        validators=[MaxValueValidator(MAX_PENCE, message=TOO_MUCH)],
    )
    cost_pence = models.PositiveBigIntegerField(
        help_text="The cost on the ballot, in pence: the estimate unless review changed it.",
        validators=[MaxValueValidator(MAX_PENCE, message=TOO_MUCH)],
    )
    category = models.CharField(max_length=60, blank=True)
    location = models.CharField(max_length=MAX_LOCATION, blank=True)
    delivery_partner = models.CharField(
        max_length=MAX_PARTNER, blank=True, help_text="A group that will help deliver it."
    )
    volunteer_hours = models.PositiveIntegerField(null=True, blank=True)
    # The language the proposer wrote in (one of settings.LANGUAGES): a proposal is never
    # translated; its page says which language it is in (wards.languages.written_in).
    language = models.CharField(max_length=10, default="en-gb")
    status = models.CharField(
        max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.SUBMITTED
    )
    review_reason = models.TextField(max_length=MAX_REASON, blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_from"
    )
    # Set with status not_shortlisted: how many more supports would have put it through.
    shortlist_missed_by = models.PositiveIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cost_pence__gte=MIN_COST_PENCE), name="ck_proposal_cost_at_least_min"
            ),
            models.CheckConstraint(
                condition=Q(estimated_cost_pence__gte=MIN_COST_PENCE),
                name="ck_proposal_estimate_at_least_min",
            ),
            models.CheckConstraint(
                condition=Q(cost_pence__lte=MAX_PENCE), name="ck_proposal_cost_at_most_max"
            ),
            models.CheckConstraint(
                condition=Q(estimated_cost_pence__lte=MAX_PENCE),
                name="ck_proposal_estimate_at_most_max",
            ),
            models.CheckConstraint(
                condition=~Q(status=ProposalStatus.MERGED) | Q(merged_into__isnull=False),
                name="ck_proposal_merged_has_target",
            ),
        ]
        indexes = [models.Index(fields=["round", "status"], name="ix_proposal_round_status")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("budgets:proposal", kwargs={"proposal_id": self.pk})

    MIN_COST_PENCE = MIN_COST_PENCE

    @property
    def on_ballot(self) -> bool:
        return self.status == ProposalStatus.FEASIBLE

    @property
    def is_merged(self) -> bool:
        return self.status == ProposalStatus.MERGED

    @property
    def is_withdrawn(self) -> bool:
        return self.status == ProposalStatus.WITHDRAWN

    @property
    def standing(self) -> bool:
        """Neither withdrawn nor merged (see ProposalQuerySet.standing)."""
        return self.status not in FALLEN_STATUSES

    @property
    def hidden_reason(self) -> str | None:
        """The councillors' public reason when they hid this proposal's text, else None.

        A hidden proposal's summary is stored empty (hidings before that stored an English
        notice starting HIDDEN_PREFIX): only then is the hiding looked up, so a list of
        visible proposals costs no query.
        """
        if self.summary and not self.summary.startswith(HIDDEN_PREFIX):
            return None
        try:
            return self.hiding.reason
        except ObjectDoesNotExist:
            return None

    @property
    def shown_summary(self) -> str:
        """The summary as pages show it: a hidden one's notice in the reader's language."""
        reason = self.hidden_reason
        return self.summary if reason is None else hidden_notice(reason)

    @property
    def shown_description(self) -> str:
        reason = self.hidden_reason
        return self.description if reason is None else hidden_notice(reason)

    @property
    def shown_text_language(self) -> str:
        """The language shown_summary and shown_description are in: the proposal's own, or ""
        (the reader's) when they are the councillors' hidden notice."""
        return self.language if self.hidden_reason is None else ""

    def clean(self) -> None:
        errors: dict[str, str] = {}
        for field in ("estimated_cost_pence", "cost_pence"):
            value = getattr(self, field)
            if value is not None and value < MIN_COST_PENCE:
                errors[field] = MIN_COST_MESSAGE
        if self.status == ProposalStatus.MERGED and self.merged_into_id is None:
            errors["merged_into"] = "Say which proposal this one duplicates."
        if self.merged_into_id is not None and self.merged_into_id == self.pk:
            errors["merged_into"] = "A proposal cannot be merged into itself."
        if errors:
            raise ValidationError(errors)


class ReviewDecision(models.TextChoices):
    FEASIBLE = "feasible", _("Feasible")
    FEASIBLE_CHANGED_COST = "feasible_changed_cost", _("Feasible with a changed cost")
    NOT_FEASIBLE = "not_feasible", _("Not feasible")
    MERGED = "merged", _("Merged with a duplicate")


class Review(models.Model):
    """One public review decision; a proposal keeps its whole history."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decision = models.CharField(max_length=30, choices=ReviewDecision.choices)
    reason = models.TextField(max_length=MAX_REASON)
    new_cost_pence = models.PositiveBigIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(MAX_PENCE, message=TOO_MUCH)]
    )
    merged_into = models.ForeignKey(
        Proposal, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="ck_review_reason_required"),
            models.CheckConstraint(
                condition=~Q(decision=ReviewDecision.FEASIBLE_CHANGED_COST)
                | Q(new_cost_pence__gte=MIN_COST_PENCE),
                name="ck_review_changed_cost_given",
            ),
            models.CheckConstraint(
                condition=Q(new_cost_pence__isnull=True) | Q(new_cost_pence__gte=MIN_COST_PENCE),
                name="ck_review_new_cost_at_least_min",
            ),
            models.CheckConstraint(
                condition=Q(new_cost_pence__isnull=True) | Q(new_cost_pence__lte=MAX_PENCE),
                name="ck_review_new_cost_at_most_max",
            ),
            models.CheckConstraint(
                condition=~Q(decision=ReviewDecision.MERGED) | Q(merged_into__isnull=False),
                name="ck_review_merge_target_given",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()}: {self.proposal}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if not (self.reason or "").strip():
            errors["reason"] = "Give the reason for the decision; it is shown to the public."
        if self.decision == ReviewDecision.FEASIBLE_CHANGED_COST and self.new_cost_pence is None:
            errors["new_cost_pence"] = "Give the new cost."
        if self.new_cost_pence is not None and self.new_cost_pence < MIN_COST_PENCE:
            errors["new_cost_pence"] = MIN_COST_MESSAGE
        if self.decision == ReviewDecision.MERGED and self.merged_into_id is None:
            errors["merged_into"] = "Say which proposal this one duplicates."
        if errors:
            raise ValidationError(errors)


# Where and when a round's voters can vote on paper or get help: printed on the letters and the
# paper ballot and shown on the round's page. Public facts about public places (a library, the
# council house), never about a person.
MAX_PLACE_NAME = 120
MAX_PLACE_TEXT = 500
MAX_PHONE = 40
MAX_POLLING_PLACES = 10  # what one A4 letter can list


class PollingPlace(models.Model):
    """One place where a round's voters can vote on paper, and when it is open."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="polling_places")
    name = models.CharField(max_length=MAX_PLACE_NAME)
    address = models.TextField(max_length=MAX_PLACE_TEXT, blank=True)
    opening_times = models.TextField(
        max_length=MAX_PLACE_TEXT,
        blank=True,
        help_text="When it is open, in words: 'Saturdays 10:00-16:00 from 5 to 19 December'.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="ck_polling_place_name_required"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not (self.name or "").strip():
            raise ValidationError({"name": "Give the polling place's name."})


class HelpDesk(models.Model):
    """Where, when and how to reach the round's help desk (one per round, every part optional)."""

    round = models.OneToOneField(Round, on_delete=models.CASCADE, related_name="help_desk")
    where = models.TextField(max_length=MAX_PLACE_TEXT, blank=True)
    when = models.TextField(max_length=MAX_PLACE_TEXT, blank=True)
    phone = models.CharField(max_length=MAX_PHONE, blank=True)

    def __str__(self) -> str:
        return f"Help desk for {self.round}"

    @property
    def empty(self) -> bool:
        return not (self.where or self.when or self.phone)


class TwoCouncillorRequest(models.Model):
    """One councillor's request, with a public reason, that a second councillor of the same
    ward must approve before it takes effect (budgets.services.two_person holds the rule). The
    concrete models add the round they are about: CancelRequest here, ballots' EarlyCloseRequest."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=MAX_PUBLIC_REASON)
    requested_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True


class CancelRequest(TwoCouncillorRequest):
    """A councillor's request to cancel a round whose voting has opened; a second councillor of
    the ward approves it (the cancellation), or the requester withdraws it."""

    round = models.OneToOneField(Round, on_delete=models.CASCADE, related_name="cancel_request")

    def __str__(self) -> str:
        return f"cancellation of round {self.round_id}"


# --- Co-production: residents' pledges of help ---------------------------------------------------
# A pledge is a promise of volunteer time or help in kind, never a vote: nothing that counts
# ballots reads it. The bounds keep an absurd promise (a million hours) off the page.
MAX_PLEDGE_HOURS = 200
MAX_IN_KIND = 200
PLEDGE_HOURS_MESSAGE = f"Pledge between 0 and {MAX_PLEDGE_HOURS} hours."


class Pledge(models.Model):
    """One resident's pledge of volunteer hours and/or help in kind to a proposal (one per
    person per proposal; pledging again replaces it, withdrawing deletes it: the ledger keeps
    both)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="pledges")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pledges"
    )
    hours = models.PositiveIntegerField(
        default=0,
        validators=[MaxValueValidator(MAX_PLEDGE_HOURS, message=PLEDGE_HOURS_MESSAGE)],
        help_text="Volunteer hours promised in all.",
    )
    in_kind = models.CharField(
        max_length=MAX_IN_KIND, blank=True, help_text="Help in kind, e.g. 'tools', 'a van'."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "person"], name="uq_pledge_proposal_person"
            ),
            models.CheckConstraint(
                condition=Q(hours__lte=MAX_PLEDGE_HOURS), name="ck_pledge_hours_at_most_max"
            ),
            models.CheckConstraint(
                condition=Q(hours__gt=0) | ~Q(in_kind=""), name="ck_pledge_offers_something"
            ),
        ]

    def __str__(self) -> str:
        return f"pledge to {self.proposal_id}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.hours is not None and not 0 <= self.hours <= MAX_PLEDGE_HOURS:
            errors["hours"] = PLEDGE_HOURS_MESSAGE
        if not self.hours and not (self.in_kind or "").strip():
            errors["hours"] = "Pledge some hours, or say what help in kind you can give."
        if errors:
            raise ValidationError(errors)


class Support(models.Model):
    """One resident's support for a proposal during a round's support phase: one per person
    per proposal (uq_support_proposal_person), at most Round.support_limit per person per round
    (budgets.services.support checks it under a lock on the person). Pages show counts only."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="supports")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supports"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "person"], name="uq_support_proposal_person"
            ),
        ]

    def __str__(self) -> str:
        return f"support for {self.proposal_id}"


# Discussion and moderation live in their own module; importing them here registers them with
# the budgets app (and lets `from budgets.models import Comment` work like the others).
from budgets.models_discussion import HIDDEN_PREFIX  # noqa: E402
from budgets.models_discussion import Comment as Comment  # noqa: E402
from budgets.models_discussion import ProposalHiding as ProposalHiding  # noqa: E402
from budgets.models_discussion import Report as Report  # noqa: E402
from budgets.models_discussion import hidden_notice as hidden_notice  # noqa: E402
