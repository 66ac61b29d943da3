from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from wards.models import (
    Membership,
    Neighbourhood,
    OutboundEmail,
    OutboundEmailQuerySet,
    Ward,
    WardPostcode,
    WardSubscription,
)
from wards.postcodes import import_postcodes, read_postcode_upload


class NeighbourhoodInline(admin.TabularInline):
    model = Neighbourhood
    extra = 0
    prepopulated_fields = {"slug": ("name",)}


class WardAdminForm(forms.ModelForm):
    """The ward, plus an optional CSV of its postcodes (who may vote by postcode)."""

    postcodes_csv = forms.FileField(
        label="Upload postcodes (CSV)",
        required=False,
        help_text="A CSV with a column headed 'postcode' (or postcodes in the first column), and "
        "optionally one headed 'neighbourhood' naming the ward's neighbourhood each is in. "
        "Lines starting with # are ignored. Up to 5 MB.",
    )
    replace_postcodes = forms.BooleanField(
        label="Replace the whole list",
        required=False,
        help_text="Remove postcodes that are not in this file. Otherwise the file's are added.",
    )

    class Meta:
        model = Ward
        fields = ["name", "slug", "official_code", "chest_pence"]

    def clean_postcodes_csv(self) -> dict[str, str] | None:
        upload = self.cleaned_data.get("postcodes_csv")
        if not upload:
            return None
        try:
            return read_postcode_upload(upload)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from None


@admin.register(Ward)
class WardAdmin(admin.ModelAdmin):
    form = WardAdminForm
    list_display = ["name", "slug", "official_code", "chest_pence", "postcode_count"]
    search_fields = ["name", "slug", "official_code"]
    prepopulated_fields = {"slug": ("name",)}
    inlines = [NeighbourhoodInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "official_code", "chest_pence"]}),
        ("Postcodes", {"fields": ["postcodes_csv", "replace_postcodes"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Ward]:
        return super().get_queryset(request).annotate(n_postcodes=Count("postcodes"))

    @admin.display(description="Postcodes", ordering="n_postcodes")
    def postcode_count(self, ward: Any) -> int:
        return int(getattr(ward, "n_postcodes", 0))

    def save_model(self, request: HttpRequest, obj: Ward, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        postcodes = form.cleaned_data.get("postcodes_csv")
        if postcodes:
            try:
                result = import_postcodes(
                    obj,
                    postcodes,
                    replace=form.cleaned_data.get("replace_postcodes", False),
                    by=request.user,
                )
            except ValidationError as exc:
                messages.error(request, "Postcodes not imported: " + " ".join(exc.messages))
                return
            messages.success(
                request,
                f"Postcodes for {obj.name}: {result.added} added, {result.removed} removed, "
                f"{result.unchanged} already listed.",
            )


@admin.register(WardPostcode)
class WardPostcodeAdmin(admin.ModelAdmin):
    list_display = ["postcode", "ward"]
    list_filter = ["ward"]
    search_fields = ["postcode", "ward__name"]
    autocomplete_fields = ["ward"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "ward", "neighbourhood"]
    list_filter = ["role", "ward"]
    search_fields = ["user__username", "ward__name"]
    autocomplete_fields = ["ward"]
    raw_id_fields = ["user"]


@admin.register(WardSubscription)
class WardSubscriptionAdmin(admin.ModelAdmin):
    """Staff can find an address (to answer a request to delete it) and delete it; subscribing
    and confirming are the resident's own, so nothing is added or edited here."""

    list_display = ["pk", "ward", "confirmed_at", "created_at"]
    list_filter = ["ward", ("confirmed_at", admin.EmptyFieldListFilter)]
    search_fields = ["=email"]
    fields = readonly_fields = ("ward", "email", "created_at", "confirmed_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    """The outbox, read-only; failed emails can be sent again once the cause is fixed."""

    list_display = [
        "pk",
        "ward",
        "kind",
        "event_key",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "failed_at",
        "last_error",
    ]
    list_filter = [
        "kind",
        ("sent_at", admin.EmptyFieldListFilter),
        ("failed_at", admin.EmptyFieldListFilter),
        "subscription__ward",
    ]
    search_fields = ["event_key", "subject"]
    list_select_related = ["subscription__ward"]
    fields = readonly_fields = (
        "subscription",
        "kind",
        "event_key",
        "subject",
        "body",
        "created_at",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "failed_at",
        "last_error",
    )
    actions = ["retry"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Ward", ordering="subscription__ward__name")
    def ward(self, email: OutboundEmail) -> str:
        return email.subscription.ward.name

    @admin.action(description="Send the selected failed emails again", permissions=["view"])
    def retry(self, request: HttpRequest, queryset: OutboundEmailQuerySet) -> None:
        count = queryset.failed().update(failed_at=None, attempts=0, next_attempt_at=timezone.now())
        messages.success(
            request, f"{count} failed email(s) queued again: send_ward_emails sends them."
        )
