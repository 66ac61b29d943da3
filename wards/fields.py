"""Form and API fields for free text, so the page, the API and the services clean it alike,
and the form field for an amount in pounds.

Each field runs `wards.text.single_line` or `multi_line` before its length and blank checks, so a
title of spaces and zero-width characters is "required" on the page and in the API alike.
"""

from __future__ import annotations

from typing import Any

from django import forms
from rest_framework import serializers

from wards.money import enter_amount, format_pence, parse_pounds
from wards.text import multi_line, single_line


class SingleLineField(forms.CharField):
    """A form field for one line of text (titles, places, names)."""

    def to_python(self, value: Any) -> str:
        return single_line(super().to_python(value))


class MultiLineField(forms.CharField):
    """A form field for text that may run over several lines (descriptions, reasons)."""

    def to_python(self, value: Any) -> str:
        return multi_line(super().to_python(value))


class SingleLineCharField(serializers.CharField):
    """The API's field for one line of text; the same cleaning as `SingleLineField`."""

    def run_validation(self, data: Any = serializers.empty) -> Any:
        if isinstance(data, str):
            data = single_line(data)
        return super().run_validation(data)


class MultiLineCharField(serializers.CharField):
    """The API's field for text over several lines; the same cleaning as `MultiLineField`."""

    def run_validation(self, data: Any = serializers.empty) -> Any:
        if isinstance(data, str):
            data = multi_line(data)
        return super().run_validation(data)


class PoundsField(forms.CharField):
    """An amount typed in pounds ('2,500.50', '£2500', on a Polish page '2500,50'); cleaned to
    integer pence. Filled in with the plain form ('2500.50'), which every language reads."""

    MAX_CHARS = 20

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "class": "input-money"})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int):
            return format_pence(value).replace("£", "").replace(",", "")
        return value

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        if len(text) > self.MAX_CHARS:
            raise forms.ValidationError(enter_amount())
        try:
            return parse_pounds(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
