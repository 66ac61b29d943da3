"""A councillor posts a delivery update in their language, and a bad photo is refused in it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from budgets.models import Round

pytestmark = pytest.mark.django_db


def test_a_delivery_update_and_its_photo_error_in_bengali(
    client: Client, councillor_sam: Any, published_round: Round, funded: list[int]
) -> None:
    client.force_login(councillor_sam)
    url = f"/rounds/{published_round.pk}/delivery/{funded[0]}/update/"
    page = client.get(url, headers={"accept-language": "bn"}).content.decode()
    assert "কী ঘটেছে?" in page  # What has happened?
    photo = SimpleUploadedFile("p.jpg", b"not an image at all", "image/jpeg")
    refused = client.post(
        url, {"text": "ok", "photo_alt": "x", "photo": photo}, headers={"accept-language": "bn"}
    )
    assert refused.status_code == 400
    assert "JPEG, PNG বা WebP ছবি আপলোড করুন।" in refused.content.decode()
