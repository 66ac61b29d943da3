from django.contrib import admin

from wards.models import Membership, Neighbourhood, Ward


class NeighbourhoodInline(admin.TabularInline):
    model = Neighbourhood
    extra = 0
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Ward)
class WardAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "official_code", "chest_pence"]
    search_fields = ["name", "slug", "official_code"]
    prepopulated_fields = {"slug": ("name",)}
    inlines = [NeighbourhoodInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "ward"]
    list_filter = ["role", "ward"]
    search_fields = ["user__username", "ward__name"]
    autocomplete_fields = ["ward"]
    raw_id_fields = ["user"]
