from django import template

from wards.money import format_pence

register = template.Library()


@register.filter
def pounds(pence: int | None) -> str:
    return format_pence(pence)
