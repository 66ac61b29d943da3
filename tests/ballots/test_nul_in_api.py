"""The voting API reads JSON, not form fields, so the NUL check at the door (config/nul.py) does not
see its text: a NUL in the code or the declaration is refused with a reason, and one in a
postcode a signed-in resident need not give or in the Idempotency-Key header (kept only as a
hash) does no harm; never a 500 on PostgreSQL, which cannot store or compare such text."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.conftest import login


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        ({"code": "ABCD\x00"}, {}),
        ({"postcode": "B11\x001AA"}, {}),
        ({"basis": "live\x00"}, {}),
        ({}, {"HTTP_IDEMPOTENCY_KEY": "key\x00"}),
    ],
    ids=["code", "postcode", "basis", "idempotency-key"],
)
def test_the_voting_api_refuses_a_nul_in_any_text_it_reads(
    client: Client, voting_round: Any, ids: list[int], resident_alice: Any, body: Any, headers: Any
) -> None:
    """JSON bodies are not form fields: the API's own checks must refuse NUL with a reason."""
    from ballots.models import Ballot

    if "code" not in body:
        login(client, resident_alice)
    data = {"basis": "live", "age_confirmed": True, "projects": ids[:1], **body}
    response = client.post(
        f"/api/v1/rounds/{voting_round.pk}/ballots/",
        data=data,
        content_type="application/json",
        **headers,
    )
    assert response.status_code < 500
    if response.status_code >= 400:
        assert response.json()["reason"]
        assert not Ballot.objects.filter(round=voting_round).exists()
    else:
        assert body.keys() <= {"postcode"} and set(headers) <= {"HTTP_IDEMPOTENCY_KEY"}
