"""The OpenAPI schema's error answers: every refusal the API can give is in the schema.

config.api turns each refusal into JSON with a `reason` (and `errors`, field by field, for bad
input). Rather than repeat that on every view, the schema class documents the answers that follow
from an operation's shape: 404 where a path names a row or a list is paged (a page past the end),
400 where the caller sends input, and 403 where the caller changes something (signed out, the
wrong role, the wrong ward or phase, or a missing CSRF token). Views document anything else
themselves (429 for rate limits).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
ERROR_DESCRIPTIONS = {
    "400": "Bad input: `reason` says why, `errors` field by field.",
    "403": "Not allowed: `reason` says why.",
    "404": "No such thing, or not one this caller may see.",
}


# Not a Serializer subclass: "errors" is a field here, and a property of every Serializer.
ApiError = inline_serializer(
    "ApiError",
    fields={
        "reason": serializers.CharField(help_text="Why the request was refused, in plain words."),
        "errors": serializers.DictField(
            required=False,
            help_text="For bad input: the problems with each field, by field name.",
        ),
    },
)


class ApiAutoSchema(AutoSchema):
    def _error_codes(self) -> list[str]:
        codes = []
        has_input = self.method in UNSAFE_METHODS or bool(self._get_filter_parameters())
        overrides = self.get_override_parameters()
        if has_input or overrides:
            codes.append("400")
        if self.method in UNSAFE_METHODS:
            codes.append("403")
        if "{" in self.path or self._is_list_view() or self._get_paginator() is not None:
            codes.append("404")
        return codes

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = dict(super()._get_response_bodies(direction))
        for code in self._error_codes():
            if code not in responses:
                responses[code] = self._get_response_for_code(ApiError, code, direction=direction)
                responses[code]["description"] = ERROR_DESCRIPTIONS[code]
        return dict(responses)
