from django import template

from wards.money import format_pence

register = template.Library()


@register.filter
def pounds(pence: int | None) -> str:
    """£1,234.50 in every language: pounds sterling with Western digits, a comma between
    thousands and a full stop before pence, as on the council's notices, letters and ledger, so
    an amount reads the same on every page and can be checked against the published figures
    (README, "Languages")."""
    return format_pence(pence)
