"""Read-mostly admin for rounds and proposals: changes of substance go through the services (and
the ledger), so the admin shows them but does not let staff change phase or reviews by hand."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from budgets.models import Comment, Proposal, Report, Review, Round


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


class _DiscussionAdmin(admin.ModelAdmin):
    """Staff look, never edit: hiding goes through the moderation page (a public reason and a
    ledger event), and a hidden text must stay as it was, since the ledger holds its hash."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Comment)
class CommentAdmin(_DiscussionAdmin):
    list_display = [
        "id",
        "proposal",
        "author",
        "author_role",
        "created_at",
        "deleted_at",
        "hidden_at",
    ]
    list_filter = ["author_role", "proposal__round__ward"]
    search_fields = ["author__username", "proposal__title"]
    readonly_fields = [f.name for f in Comment._meta.fields]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # An erasure request can remove a comment; one the councillors hid is the record of
        # their public decision (its hash is in the ledger) and stays.
        if obj is not None and obj.hidden_at is not None:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Report)
class ReportAdmin(_DiscussionAdmin):
    list_display = ["id", "proposal", "comment", "reason", "created_at", "resolution"]
    list_filter = ["reason", "resolution", "proposal__round__ward"]
    readonly_fields = [f.name for f in Report._meta.fields]
