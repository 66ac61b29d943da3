"""Read-mostly admin for rounds and proposals: changes of substance go through the services (and
the ledger), so the admin shows them but does not let staff change phase or reviews by hand."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from budgets.models import Proposal, Review, Round


class ProposalInline(admin.TabularInline):
    model = Proposal
    fields = ["title", "status", "cost_pence", "category"]
    readonly_fields = ["title", "status", "cost_pence", "category"]
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "ward",
        "neighbourhood",
        "phase",
        "budget_pence",
        "ballot_type",
        "rule",
    ]
    list_filter = ["phase", "ballot_type", "rule", "ward"]
    search_fields = ["title", "ward__name"]
    readonly_fields = ["phase", "settings_frozen_at", "created_by", "created_at", "updated_at"]
    inlines = [ProposalInline]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Settings change through the round's own page, which records them in the ledger.
        return False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReviewInline(admin.TabularInline):
    model = Review
    fk_name = "proposal"
    fields = ["decision", "reason", "new_cost_pence", "merged_into", "created_at"]
    readonly_fields = ["decision", "reason", "new_cost_pence", "merged_into", "created_at"]
    extra = 0
    can_delete = False


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = ["title", "round", "status", "cost_pence", "category"]
    list_filter = ["status", "round__ward"]
    search_fields = ["title", "summary"]
    readonly_fields = [f.name for f in Proposal._meta.fields]
    inlines = [ReviewInline]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
