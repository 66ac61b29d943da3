"""The delivery pages for every persona: the public overview and project pages, the forms
councillors and clerks report with, the unspent-money form; wrong methods; bad input."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import Event
from budgets.models import Round
from delivery import photos, services
from delivery.models import Milestone, Unspent, Update
from tests.ballots.conftest import make_voting_round
from tests.delivery.conftest import MANAGERS, PERSONAS, REPORTERS, as_persona, image_bytes

pytestmark = pytest.mark.django_db


def _urls(round: Round, pid: int) -> dict[str, str]:
    return {
        "overview": reverse("delivery:overview", args=[round.pk]),
        "project": reverse("delivery:project", args=[round.pk, pid]),
        "update": reverse("delivery:update", args=[round.pk, pid]),
        "milestones": reverse("delivery:milestones", args=[round.pk, pid]),
        "unspent": reverse("delivery:unspent", args=[round.pk]),
    }


def test_the_urls() -> None:
    assert reverse("delivery:overview", args=[4]) == "/rounds/4/delivery/"
    assert reverse("delivery:project", args=[4, 9]) == "/rounds/4/delivery/9/"
    assert reverse("delivery:update", args=[4, 9]) == "/rounds/4/delivery/9/update/"
    assert reverse("delivery:unspent", args=[4]) == "/rounds/4/delivery/unspent/"


@pytest.mark.parametrize("who", PERSONAS)
def test_everyone_sees_what_the_money_did(
    client: Client, published_round: Round, funded: list[int], councillor_sam: Any,
    who: str, request: pytest.FixtureRequest,
) -> None:  # fmt: skip
    services.post_update(
        published_round, funded[0], by=councillor_sam, text="Benches in.", status="delivered",
        final_cost_pence=2_400_000, photo=_photo(), photo_alt="Two new benches",
    )  # fmt: skip
    as_persona(client, who, request)
    urls = _urls(published_round, funded[0])
    overview = client.get(urls["overview"])
    html = overview.content.decode()
    assert overview.status_code == 200
    assert "A Bench by the Brook" in html and "B Bike racks" in html
    assert "1 delivered, 0 in progress, 1 not started" in html
    assert 'alt="Two new benches"' in html and "/media/delivery/" in html
    assert ("Record what became of the unspent money" in html) is (who in MANAGERS)
    project = client.get(urls["project"])
    html = project.content.decode()
    assert project.status_code == 200 and "£24,000" in html and "Benches in." in html
    assert ("Post an update" in html) is (who in REPORTERS)


def _photo(data: bytes | None = None, name: str = "p.jpg") -> Any:
    from tests.delivery.conftest import upload

    return upload(data if data is not None else image_bytes(), name)


@pytest.mark.parametrize("who", PERSONAS)
def test_only_the_ward_s_councillors_clerks_and_staff_report(
    client: Client, published_round: Round, funded: list[int], who: str,
    request: pytest.FixtureRequest,
) -> None:  # fmt: skip
    as_persona(client, who, request)
    urls = _urls(published_round, funded[0])
    form = client.get(urls["update"])
    posted = client.post(
        urls["update"], {"text": "Work started", "status": "in_progress", "spent": "1,250.50"}
    )
    milestone_form = client.get(urls["milestones"])
    milestone = client.post(urls["milestones"], {"title": "Order", "planned_on": "2026-07-01"})
    if who == "anonymous":
        for answer in (form, posted, milestone_form, milestone):
            assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]
    elif who in REPORTERS:
        assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.content.decode()
        assert posted.status_code == 302 and posted["Location"] == urls["project"]
        assert milestone_form.status_code == 200 and milestone.status_code == 302
        update = Update.objects.get()
        assert update.spent_pence == 125_050 and update.delivery.status == "in_progress"
        assert Milestone.objects.get().title == "Order"
    else:
        for answer in (form, posted, milestone_form, milestone):
            assert answer.status_code == 403
        assert "Only councillors or clerks for Sparkbrook" in form.content.decode()
    assert Update.objects.count() == (1 if who in REPORTERS else 0)


@pytest.mark.parametrize("who", PERSONAS)
def test_only_councillors_and_staff_record_the_unspent_money(
    client: Client, published_round: Round, who: str, request: pytest.FixtureRequest
) -> None:
    as_persona(client, who, request)
    url = reverse("delivery:unspent", args=[published_round.pk])
    form = client.get(url)
    posted = client.post(url, {"decision": "carried_over", "amount": "37,500", "note": "Next year"})
    if who == "anonymous":
        assert form.status_code == 302 and posted.status_code == 302
    elif who in MANAGERS:
        assert form.status_code == 200 and 'value="37500"' in form.content.decode()
        assert posted.status_code == 302
        assert Unspent.objects.get().amount_pence == 3_750_000
        page = client.get(reverse("delivery:overview", args=[published_round.pk]))
        assert "£37,500: carried over to next year&#x27;s chest" in page.content.decode()
    else:
        assert form.status_code == 403 and posted.status_code == 403
    assert Unspent.objects.count() == (1 if who in MANAGERS else 0)


@pytest.mark.parametrize("who", PERSONAS)
def test_wrong_methods(
    client: Client, published_round: Round, funded: list[int], who: str,
    request: pytest.FixtureRequest,
) -> None:  # fmt: skip
    as_persona(client, who, request)
    urls = _urls(published_round, funded[0])
    for name in ("overview", "project"):
        assert client.post(urls[name]).status_code == 405
    for name in ("update", "milestones", "unspent"):
        assert client.put(urls[name]).status_code == 405
        assert client.delete(urls[name]).status_code == 405
    api = reverse("api-delivery", args=[published_round.pk])
    assert client.post(api).status_code in (403, 405)
    assert client.delete(api).status_code in (403, 405)


def test_nothing_before_publication_and_no_unfunded_project(
    client: Client, published_round: Round, unfunded: int, sparkbrook: Any, councillor_sam: Any
) -> None:
    client.force_login(councillor_sam)
    voting = make_voting_round(sparkbrook, title="Open")
    pid = voting.proposals.values_list("pk", flat=True)[0]
    for url in _urls(voting, pid).values():
        assert client.get(url).status_code == 404
    for url in (
        _urls(published_round, unfunded)["project"],
        _urls(published_round, unfunded)["update"],
    ):
        assert client.get(url).status_code == 404
    assert client.get(reverse("api-delivery", args=[voting.pk])).status_code == 404


@pytest.mark.parametrize(
    ("data", "files", "message"),
    [
        ({"text": ""}, {}, "This field is required"),
        ({"text": "\u202e\u200b \x00"}, {}, "This field is required"),
        ({"text": "x" * 2001}, {}, "at most 2000 characters"),
        ({"text": "ok", "spent": "1e30"}, {}, "Enter an amount in pounds"),
        ({"text": "ok", "spent": "-5"}, {}, "not a negative number"),
        ({"text": "ok", "final_cost": "99999999999999"}, {}, "Enter an amount up to"),
        ({"text": "ok", "hours_delivered": "1000000"}, {}, "less than or equal to 5000"),
        ({"text": "ok", "status": "cancelled"}, {}, "Say why the project was cancelled"),
        ({"text": "ok", "status": "done"}, {}, "Select a valid choice"),
        ({"text": "ok", "photo_alt": "x"}, {"photo": b"not an image at all"}, "JPEG, PNG or WebP"),
        ({"text": "ok", "photo_alt": "x"}, {"photo": image_bytes("PNG")[:60]}, "could not be read"),
        ({"text": "ok"}, {"photo": image_bytes()}, "Describe the photo"),
    ],
)
def test_bad_updates_are_form_errors_never_500(
    client: Client, published_round: Round, funded: list[int], councillor_sam: Any,
    data: dict[str, str], files: dict[str, bytes], message: str,
) -> None:  # fmt: skip
    client.force_login(councillor_sam)
    payload: dict[str, Any] = dict(data)
    for name, content in files.items():
        payload[name] = _photo(content, "holiday.jpg")
    answer = client.post(_urls(published_round, funded[0])["update"], payload)
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert not Update.objects.exists()


def test_a_huge_upload_is_refused(
    client: Client, published_round: Round, funded: list[int], councillor_sam: Any
) -> None:
    client.force_login(councillor_sam)
    huge = _photo(b"\xff\xd8\xff" + bytes(photos.MAX_BYTES + 10), "huge.jpg")
    answer = client.post(
        _urls(published_round, funded[0])["update"], {"text": "x", "photo": huge, "photo_alt": "x"}
    )
    assert answer.status_code == 400 and "too big" in answer.content.decode()
    assert not Update.objects.exists()


def test_bad_milestones_and_unspent_amounts_are_form_errors(
    client: Client, published_round: Round, funded: list[int], councillor_sam: Any
) -> None:
    client.force_login(councillor_sam)
    urls = _urls(published_round, funded[0])
    for data in (
        {"title": "", "planned_on": "2026-01-01"},
        {"title": "Order", "planned_on": "20205-01-01"},
        {"title": "Order", "planned_on": "2999-01-01"},
        {"milestone": "99999", "reached_on": "2026-01-01"},
        {"milestone": "abc", "reached_on": "2026-01-01"},
    ):
        assert client.post(urls["milestones"], data).status_code == 400, data
    for data in (
        {"decision": "carried_over", "amount": "200,000"},
        {"decision": "carried_over", "amount": "NaN"},
        {"decision": "burnt", "amount": "10"},
    ):
        assert client.post(urls["unspent"], data).status_code == 400, data
    assert not Milestone.objects.exists() and not Unspent.objects.exists()
    assert not Event.objects.filter(kind__startswith="delivery.").exists()


def test_a_milestone_is_reached_from_its_form(
    client: Client, published_round: Round, funded: list[int], clerk_cleo: Any
) -> None:
    client.force_login(clerk_cleo)
    url = _urls(published_round, funded[0])["milestones"]
    client.post(url, {"title": "Order placed", "planned_on": "2026-06-01"})
    milestone = Milestone.objects.get()
    page = client.get(url)
    assert f'name="milestone" value="{milestone.pk}"' in page.content.decode()
    assert (
        client.post(url, {"milestone": milestone.pk, "reached_on": "2026-05-30"}).status_code == 302
    )
    milestone.refresh_from_db()
    assert str(milestone.reached_on) == "2026-05-30"


def test_the_ward_page_and_the_results_page_show_every_past_round(
    client: Client, published_round: Round, funded: list[int], councillor_sam: Any
) -> None:
    services.post_update(
        published_round, funded[0], by=councillor_sam, text="x", status="delivered",
        final_cost_pence=2_000_000,
    )  # fmt: skip
    services.record_unspent(
        published_round, by=councillor_sam, decision="returned", amount_pence=3_750_000
    )
    ward = client.get(reverse("wards:detail", args=["sparkbrook"])).content.decode()
    assert "What the money did" in ward and published_round.title in ward
    assert "£37,500 returned to the council" in ward and "£20,000" in ward
    results = client.get(reverse("ballots:results", args=[published_round.pk])).content.decode()
    assert "1 of 2 funded projects delivered" in results
    assert reverse("delivery:overview", args=[published_round.pk]) in results


def test_the_dashboard_counts_delivered_and_in_progress(
    client: Client, published_round: Round, funded: list[int], councillor_sam: Any
) -> None:
    services.post_update(
        published_round, funded[0], by=councillor_sam, text="x", status="delivered"
    )
    services.post_update(
        published_round, funded[1], by=councillor_sam, text="y", status="in_progress"
    )
    page = client.get(reverse("ballots:dashboard")).content.decode()
    assert "Funded projects delivered</dt><dd>1 (1 in progress)" in page
    csv_text = client.get(reverse("ballots:dashboard_csv")).content.decode()
    header, *rows = [line.split(",") for line in csv_text.strip().splitlines()]
    assert header[-2:] == ["delivered_projects", "in_progress_projects"]
    spark = next(r for r in rows if r[0] == "Sparkbrook")
    assert spark[-2:] == ["1", "1"]
