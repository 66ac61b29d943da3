"""A NUL character in a request's path or query string is refused with a 400 before any view runs;
in a form field it is cleaned out of free text or refused by the form. PostgreSQL cannot store or
even compare a string holding one, so a raw value that reached a query was a 500 there: the team
page's username and the audit trail's `?kind=` (found on PostgreSQL only)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from config.nul import REFUSED
from tests.conftest import login
from wards.models import Membership, Ward

NUL = "\x00"


def test_adding_a_clerk_whose_name_holds_a_nul_is_refused_not_a_500(
    client: Client, sparkbrook: Ward, councillor_sam: Any
) -> None:
    login(client, councillor_sam)
    members = Membership.objects.count()
    response = client.post("/wards/sparkbrook/team/add/", {"username": f"cleo{NUL}"}, follow=True)
    assert response.status_code == 200
    assert "There is no active account with the username" in response.content.decode()
    assert Membership.objects.count() == members


@pytest.mark.parametrize(
    "path",
    [
        f"/?postcode=B11{NUL}1AA",
        f"/audit/?kind=round{NUL}",
        f"/receipts/ABC{NUL}DEF",
        f"/wards/sparkbrook/team/cleo{NUL}/remove/",
        f"/accounts/signup/confirm/x{NUL}y/",
        f"/wards/subscriptions/confirm/x{NUL}y/",
        f"/api/v1/receipts/ABC{NUL}/",
    ],
)
def test_a_nul_in_a_path_or_query_is_a_400_for_anyone(
    client: Client, sparkbrook: Ward, councillor_sam: Any, path: str
) -> None:
    assert client.get(path).status_code == 400
    login(client, councillor_sam)
    assert client.get(path).status_code == 400
    refused = client.post(path, {"x": "1"})
    assert refused.status_code == 400
    if path.startswith("/api/"):
        assert refused.json() == {"reason": REFUSED}
    else:
        assert REFUSED in refused.content.decode()


def test_uploaded_files_may_hold_nul_bytes(
    client: Client, sparkbrook: Ward, councillor_sam: Any
) -> None:
    """A photo or a CSV is bytes: only the text fields are checked."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    login(client, councillor_sam)
    upload = SimpleUploadedFile("postcodes.csv", b"postcode\nB11 1AA\n\x00\n", "text/csv")
    response = client.post("/wards/sparkbrook/postcodes/", {"file": upload})
    assert REFUSED not in response.content.decode()
    assert response.status_code < 500
