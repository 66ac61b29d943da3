"""The delivery forms' free text (update, cancellation reason, photo description, milestone,
unspent note) tried as in tests/budgets/test_every_text_field.py: a page, never a 500, and
nothing stored keeps what wards.text removes."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from budgets.models import Round
from tests.conftest import login
from tests.free_text_probe import VARIANTS, unclean_text


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_delivery_form(
    client: Client, published_round: Round, funded: list[int], councillor_sam: Any, variant: str
) -> None:
    text = VARIANTS[variant]
    login(client, councillor_sam)
    round, project = published_round.pk, funded[0]
    update = reverse("delivery:update", args=[round, project])
    answers = [
        client.post(
            update,
            {"text": text, "status": "cancelled", "cancelled_reason": text, "photo_alt": text},
        ),
        client.post(
            reverse("delivery:milestones", args=[round, project]),
            {"title": text, "planned_on": "2026-07-01"},
        ),
        client.post(
            reverse("delivery:unspent", args=[round]),
            {"decision": "carried_over", "amount": "1", "note": text},
        ),
    ]
    assert [a.status_code for a in answers if a.status_code >= 500] == []
    assert unclean_text() == []
