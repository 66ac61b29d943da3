from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from wards.models import Membership, Role, Ward

pytestmark = pytest.mark.django_db(transaction=False)


def test_seed_demo_is_idempotent_and_prints_how_to_sign_in() -> None:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=StringIO())
    assert Ward.objects.count() == 40
    assert set(Ward.objects.values_list("chest_pence", flat=True)) == {10_000_000}
    assert Membership.objects.filter(role=Role.COUNCILLOR).count() == 120
    sparkbrook = Ward.objects.get(slug="sparkbrook")
    assert list(sparkbrook.neighbourhoods.values_list("name", flat=True)) == ["Balsall Heath"]
    text = out.getvalue()
    assert "Sign in" in text
    assert "cllr-sparkbrook-1" in text
