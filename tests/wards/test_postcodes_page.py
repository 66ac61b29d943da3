"""The ward's postcode list and neighbourhoods, managed by its councillors from the ward pages
(issue 13): upload a CSV (5 MB at most, every bad line reported), add or replace, see the count."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from audit.models import Event
from tests.conftest import login, make_user
from wards.models import Membership, Neighbourhood, Role, Ward, WardPostcode


def url(ward: Ward) -> str:
    return reverse("wards:postcodes", args=[ward.slug])


def csv_file(text: str, name: str = "postcodes.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


GOOD = "postcode,neighbourhood\nB11 1AA,Balsall Heath\nb111ab,\nB12 9ZZ,balsall heath\n"


def listed(ward: Ward) -> set[str]:
    return set(ward.postcodes.values_list("postcode", flat=True))


def test_a_councillor_uploads_the_list_and_sees_count_and_neighbourhoods(
    client: Client, sparkbrook: Ward, councillor_sam: Any
) -> None:
    login(client, councillor_sam)
    response = client.post(url(sparkbrook), {"postcodes_csv": csv_file(GOOD)}, follow=True)
    assert "3 added, 0 removed" in response.content.decode()
    assert listed(sparkbrook) == {"B11 1AA", "B11 1AB", "B12 9ZZ"}
    assert WardPostcode.objects.filter(neighbourhood__name="Balsall Heath").count() == 2
    event = Event.objects.get(kind="ward.postcodes_updated")
    assert event.payload == {"added": 3, "removed": 0, "total": 3}
    assert event.actor_role == "councillor"
    page = client.get(url(sparkbrook))
    html = page.content.decode()
    assert page.status_code == 200
    assert "3 postcodes" in html and "Balsall Heath" in html


def test_add_keeps_the_list_and_replace_removes_what_the_file_lacks(
    client: Client, sparkbrook: Ward, councillor_sam: Any
) -> None:
    login(client, councillor_sam)
    client.post(url(sparkbrook), {"postcodes_csv": csv_file(GOOD)})
    client.post(url(sparkbrook), {"postcodes_csv": csv_file("postcode\nB11 2CD\n")})
    assert len(listed(sparkbrook)) == 4
    replace = {"postcodes_csv": csv_file("postcode\nB11 2CD\n"), "replace": "on"}
    client.post(url(sparkbrook), replace)
    assert listed(sparkbrook) == {"B11 2CD"}


def test_bad_lines_are_reported_by_number_and_nothing_is_imported(
    client: Client, sparkbrook: Ward, councillor_sam: Any
) -> None:
    login(client, councillor_sam)
    text = "postcode\nB11 1AA\nnot a postcode\nB11 1AB\nZZZ\n"
    response = client.post(url(sparkbrook), {"postcodes_csv": csv_file(text)})
    assert response.status_code == 400
    html = response.content.decode()
    assert "line 3" in html and "line 5" in html and "Nothing was imported" in html
    assert not sparkbrook.postcodes.exists()
    assert not Event.objects.filter(kind="ward.postcodes_updated").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe\x00not utf8", "UTF-8"),
        (b"postcode\n", "no postcodes"),
        (b"postcode,neighbourhood\nB11 1AA,Nowhere\n", "no neighbourhood called"),
    ],
)
def test_unreadable_files_say_why(
    client: Client, sparkbrook: Ward, councillor_sam: Any, content: bytes, message: str
) -> None:
    login(client, councillor_sam)
    upload = SimpleUploadedFile("p.csv", content, content_type="text/csv")
    response = client.post(url(sparkbrook), {"postcodes_csv": upload})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not sparkbrook.postcodes.exists()


def test_a_file_over_5_mb_is_refused(client: Client, sparkbrook: Ward, councillor_sam: Any) -> None:
    login(client, councillor_sam)
    big = "postcode\n" + "B11 1AA\n" * (5 * 1024 * 1024 // 8 + 10)
    response = client.post(url(sparkbrook), {"postcodes_csv": csv_file(big)})
    assert response.status_code == 400
    assert "larger than 5 MB" in response.content.decode()
    assert not sparkbrook.postcodes.exists()


def test_no_file_is_a_form_error(client: Client, sparkbrook: Ward, councillor_sam: Any) -> None:
    login(client, councillor_sam)
    response = client.post(url(sparkbrook), {})
    assert response.status_code == 400
    assert "required" in response.content.decode()


def test_a_councillor_adds_a_neighbourhood(
    client: Client, sparkbrook: Ward, councillor_sam: Any
) -> None:
    login(client, councillor_sam)
    add = reverse("wards:neighbourhood_add", args=[sparkbrook.slug])
    assert client.post(add, {"name": "Sparkhill  North"}).status_code == 302
    assert Neighbourhood.objects.filter(ward=sparkbrook, slug="sparkhill-north").exists()
    page = client.post(add, {"name": "Balsall Heath"}, follow=True)
    assert "already has a neighbourhood" in page.content.decode()
    page = client.post(add, {"name": "  "}, follow=True)
    assert "Enter the neighbourhood" in page.content.decode()
    assert sparkbrook.neighbourhoods.count() == 2


def test_staff_may_upload(client: Client, sparkbrook: Ward, staff_dave: Any) -> None:
    login(client, staff_dave)
    assert client.post(url(sparkbrook), {"postcodes_csv": csv_file(GOOD)}).status_code == 302
    assert Event.objects.get(kind="ward.postcodes_updated").actor_role == "staff"


@pytest.fixture
def clerk_cleo(sparkbrook: Ward) -> Any:
    user = make_user("cleo")
    Membership.objects.create(user=user, ward=sparkbrook, role=Role.CLERK)
    return user


@pytest.mark.parametrize("who", ["resident_alice", "clerk_cleo", "councillor_bob"])
def test_others_see_nothing_and_change_nothing(
    request: pytest.FixtureRequest, client: Client, sparkbrook: Ward, who: str
) -> None:
    WardPostcode.objects.create(ward=sparkbrook, postcode="B11 9XX")
    login(client, request.getfixturevalue(who))
    page = client.get(url(sparkbrook))
    assert page.status_code == 403
    assert "Balsall Heath" not in page.content.decode()
    assert client.post(url(sparkbrook), {"postcodes_csv": csv_file(GOOD)}).status_code == 403
    assert client.post(url(sparkbrook), {}).status_code == 403
    add = reverse("wards:neighbourhood_add", args=[sparkbrook.slug])
    assert client.post(add, {"name": "Elsewhere"}).status_code == 403
    assert listed(sparkbrook) == {"B11 9XX"}
    assert sparkbrook.neighbourhoods.count() == 1


def test_an_anonymous_visitor_is_asked_to_sign_in(client: Client, sparkbrook: Ward) -> None:
    for response in (
        client.get(url(sparkbrook)),
        client.post(url(sparkbrook), {"postcodes_csv": csv_file(GOOD)}),
        client.post(reverse("wards:neighbourhood_add", args=[sparkbrook.slug]), {"name": "X"}),
    ):
        assert response.status_code == 302 and "login" in response["Location"]
    assert not sparkbrook.postcodes.exists()


def test_wrong_methods_are_refused(client: Client, sparkbrook: Ward, councillor_sam: Any) -> None:
    login(client, councillor_sam)
    assert client.put(url(sparkbrook)).status_code == 405
    assert client.delete(url(sparkbrook)).status_code == 405
    add = reverse("wards:neighbourhood_add", args=[sparkbrook.slug])
    assert client.get(add).status_code == 405
