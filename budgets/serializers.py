"""The API's shapes for rounds, proposals and reviews: explicit fields, a contract for clients."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from budgets.models import (
    MAX_COUNT,
    MAX_PUBLIC_REASON,
    MAX_REASON,
    MIN_COST_MESSAGE,
    MIN_COST_PENCE,
    SEAL_BATCH_MAX,
    SEAL_BATCH_MESSAGE,
    SEAL_BATCH_MIN,
    BallotType,
    Phase,
    Proposal,
    ProposalStatus,
    Review,
    ReviewDecision,
    Round,
    Rule,
    Sat,
    SupportStage,
)
from wards.fields import MultiLineCharField, SingleLineCharField
from wards.models import Neighbourhood, Ward
from wards.money import MAX_PENCE, format_pence

# Amounts in the API are whole pence; the same upper bound as the models and the forms.
PENCE_ERRORS: dict[str, Any] = {
    "invalid": "Give a whole number of pence, like 250050 for £2,500.50.",
    "max_value": f"Give at most {MAX_PENCE} pence ({format_pence(MAX_PENCE)}).",
}


def _count(minimum: int = 1) -> serializers.IntegerField:
    """A round's optional count (points, choices, support limits): the model's bound, so both
    databases and the schema agree."""
    return serializers.IntegerField(
        min_value=minimum, max_value=MAX_COUNT, required=False, allow_null=True
    )


PHASE_DATES = [
    "proposals_start",
    "proposals_end",
    "review_start",
    "review_end",
    "voting_start",
    "voting_end",
]


class RoundSerializer(serializers.ModelSerializer[Round]):
    ward: serializers.SlugRelatedField[Ward] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    neighbourhood: serializers.SlugRelatedField[Neighbourhood] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    url = serializers.SerializerMethodField()
    proposals_url = serializers.SerializerMethodField()

    class Meta:
        model = Round
        fields = [
            "id",
            "ward",
            "neighbourhood",
            "title",
            "description",
            "phase",
            "budget_pence",
            "ballot_type",
            "rule",
            "sat",
            "max_points",
            "min_choices",
            "max_choices",
            "categories",
            *PHASE_DATES,
            "eligible_live",
            "eligible_work",
            "eligible_study",
            "min_age",
            "allow_postcode_voting",
            "allow_code_voting",
            "seal_batch_size",
            "settings_frozen_at",
            "support_stage",
            "support_start",
            "support_end",
            "support_limit",
            "shortlist_threshold",
            "shortlist_top",
            "support_opened_at",
            "cancelled_at",
            "cancel_reason",
            "created_at",
            "url",
            "proposals_url",
        ]
        read_only_fields = fields

    def get_url(self, round: Round) -> str:
        return round.get_absolute_url()

    def get_proposals_url(self, round: Round) -> str:
        return f"/api/v1/rounds/{round.pk}/proposals/"


class RoundWriteSerializer(serializers.Serializer[Any]):
    """Settings a councillor sends to create (POST, ward required) or change (PATCH) a round."""

    ward = serializers.SlugField(required=False, help_text="The ward's slug (create only).")
    neighbourhood = serializers.SlugField(
        required=False, allow_null=True, help_text="A neighbourhood of the ward, by slug."
    )
    title = SingleLineCharField(max_length=150, required=False)
    description = MultiLineCharField(max_length=5000, required=False, allow_blank=True)
    budget_pence = serializers.IntegerField(
        min_value=1, max_value=MAX_PENCE, required=False, error_messages=PENCE_ERRORS
    )
    ballot_type = serializers.ChoiceField(choices=BallotType.choices, required=False)
    rule = serializers.ChoiceField(choices=Rule.choices, required=False)
    sat = serializers.ChoiceField(choices=Sat.choices, required=False)
    max_points = _count()
    min_choices = _count(minimum=0)
    max_choices = _count()
    categories = serializers.ListField(
        child=SingleLineCharField(max_length=60), required=False, max_length=30
    )
    proposals_start = serializers.DateTimeField(required=False, allow_null=True)
    proposals_end = serializers.DateTimeField(required=False, allow_null=True)
    review_start = serializers.DateTimeField(required=False, allow_null=True)
    review_end = serializers.DateTimeField(required=False, allow_null=True)
    voting_start = serializers.DateTimeField(required=False, allow_null=True)
    voting_end = serializers.DateTimeField(required=False, allow_null=True)
    eligible_live = serializers.BooleanField(required=False)
    eligible_work = serializers.BooleanField(required=False)
    eligible_study = serializers.BooleanField(required=False)
    min_age = serializers.IntegerField(min_value=0, max_value=120, required=False)
    allow_postcode_voting = serializers.BooleanField(required=False)
    allow_code_voting = serializers.BooleanField(required=False)
    seal_batch_size = serializers.IntegerField(
        min_value=SEAL_BATCH_MIN,
        max_value=SEAL_BATCH_MAX,
        required=False,
        error_messages={"min_value": SEAL_BATCH_MESSAGE, "max_value": SEAL_BATCH_MESSAGE},
    )
    support_stage = serializers.ChoiceField(choices=SupportStage.choices, required=False)
    support_start = serializers.DateTimeField(required=False, allow_null=True)
    support_end = serializers.DateTimeField(required=False, allow_null=True)
    support_limit = _count()
    shortlist_threshold = _count()
    shortlist_top = _count()
    reason = MultiLineCharField(
        max_length=MAX_REASON, required=False, allow_blank=True, help_text="Why (recorded)."
    )


class PhaseChangeSerializer(serializers.Serializer[Any]):
    phase = serializers.ChoiceField(choices=Phase.choices)
    reason = MultiLineCharField(max_length=MAX_REASON, required=False, allow_blank=True)


class CancelSerializer(serializers.Serializer[Any]):
    """Cancel a round (`cancel`: alone before voting opens, with `reason`; once voting has opened,
    approving a colleague's request), ask to cancel it once voting has opened (`ask`, with
    `reason`), or withdraw your own request (`withdraw`)."""

    action = serializers.ChoiceField(choices=["cancel", "ask", "withdraw"], default="cancel")
    reason = SingleLineCharField(
        max_length=MAX_PUBLIC_REASON, required=False, allow_blank=True, help_text="Public."
    )


class ReviewSerializer(serializers.ModelSerializer[Review]):
    class Meta:
        model = Review
        fields = ["id", "decision", "reason", "new_cost_pence", "merged_into", "created_at"]
        read_only_fields = fields


class ProposalSerializer(serializers.ModelSerializer[Proposal]):
    round: serializers.PrimaryKeyRelatedField[Round] = serializers.PrimaryKeyRelatedField(
        read_only=True
    )
    status = serializers.ChoiceField(choices=ProposalStatus.choices, read_only=True)
    on_ballot = serializers.BooleanField(read_only=True)
    support_count = serializers.SerializerMethodField(
        help_text="How many residents support it (the support phase's public count)."
    )
    url = serializers.SerializerMethodField()
    summary = serializers.CharField(
        source="shown_summary",
        read_only=True,
        help_text="The proposer's summary; if the councillors hid the proposal's text, "
        '"Hidden by the ward\'s councillors: <reason>" in the language asked for.',
    )
    description = serializers.CharField(
        source="shown_description",
        read_only=True,
        help_text="The proposer's description, or the same notice when hidden.",
    )

    class Meta:
        model = Proposal
        fields = [
            "id",
            "round",
            "title",
            "summary",
            "description",
            "cost_pence",
            "estimated_cost_pence",
            "category",
            "location",
            "delivery_partner",
            "volunteer_hours",
            "status",
            "on_ballot",
            "review_reason",
            "merged_into",
            "support_count",
            "shortlist_missed_by",
            "created_at",
            "url",
        ]
        read_only_fields = fields

    def get_url(self, proposal: Proposal) -> str:
        return proposal.get_absolute_url()

    def get_support_count(self, proposal: Proposal) -> int:
        annotated = getattr(proposal, "support_count", None)  # list_proposals annotates it
        return annotated if annotated is not None else proposal.supports.count()


class SupportStateSerializer(serializers.Serializer[Any]):
    """The caller's support for a proposal after POST (support) or DELETE (stop supporting)."""

    supported = serializers.BooleanField(help_text="Whether you now support it.")
    changed = serializers.BooleanField(help_text="False if it already was so.")
    support_count = serializers.IntegerField()
    used = serializers.IntegerField(help_text="How many of the round's proposals you support.")
    limit = serializers.IntegerField(help_text="The most one resident may support.")


class ProposalDetailSerializer(ProposalSerializer):
    reviews = ReviewSerializer(many=True, read_only=True)

    class Meta(ProposalSerializer.Meta):
        fields = [*ProposalSerializer.Meta.fields, "reviews"]
        read_only_fields = fields


class ProposalCreateSerializer(serializers.Serializer[Any]):
    """A resident's new proposal. The cost is in pence (the web form takes pounds)."""

    title = SingleLineCharField(max_length=120)
    summary = MultiLineCharField(max_length=300)
    description = MultiLineCharField(max_length=5000)
    cost_pence = serializers.IntegerField(
        min_value=MIN_COST_PENCE,
        max_value=MAX_PENCE,
        error_messages={**PENCE_ERRORS, "min_value": MIN_COST_MESSAGE},
        help_text="Estimated cost in pence, £1 to the budget.",
    )
    category = SingleLineCharField(max_length=60, required=False, allow_blank=True)
    location = SingleLineCharField(max_length=200, required=False, allow_blank=True)
    delivery_partner = SingleLineCharField(max_length=200, required=False, allow_blank=True)
    volunteer_hours = serializers.IntegerField(
        min_value=0, max_value=100_000, required=False, allow_null=True
    )


class ReviewRequestSerializer(serializers.Serializer[Any]):
    decision = serializers.ChoiceField(choices=ReviewDecision.choices)
    reason = MultiLineCharField(max_length=MAX_REASON)
    new_cost_pence = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=MIN_COST_PENCE,
        max_value=MAX_PENCE,
        error_messages={**PENCE_ERRORS, "min_value": MIN_COST_MESSAGE},
    )
    merged_into = serializers.IntegerField(
        required=False, allow_null=True, help_text="With decision 'merged': the surviving proposal."
    )
