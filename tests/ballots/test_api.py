"""The voting API contract: cast, receipts, close, publish, result, schema."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from ballots import codes, services
from ballots.models import Ballot
from budgets.models import BallotType, Phase, Round
from tests.ballots.conftest import make_voting_round, post_json, project_ids
from tests.conftest import DECLARED, login
from wards.models import Ward


def cast_json(client: Client, url: str, body: dict[str, Any]) -> Any:
    """POST a ballot with the voter's declaration, as every client must send it."""
    return post_json(client, url, {"basis": "live", "age_confirmed": True, **body})


def _cast_url(round: Round) -> str:
    return f"/api/v1/rounds/{round.pk}/ballots/"


def test_cast_then_replace_by_code(
    client: Client, voting_round: Round, ids: list[int], issued_codes: list[str]
) -> None:
    first = cast_json(
        client, _cast_url(voting_round), {"code": issued_codes[0], "projects": ids[:2]}
    )
    assert first.status_code == 201
    assert set(first.json()) == {"receipt"}
    again = cast_json(
        client, _cast_url(voting_round), {"code": issued_codes[0], "projects": [ids[2]]}
    )
    assert again.status_code == 200
    assert again.json()["receipt"] != first.json()["receipt"]
    old = client.get(f"/api/v1/receipts/{first.json()['receipt']}/")
    new = client.get(f"/api/v1/receipts/{again.json()['receipt']}/")
    assert old.json() == {"round": voting_round.pk, "status": "replaced"}
    assert new.json() == {"round": voting_round.pk, "status": "pending"}


def test_cumulative_and_ranked_shapes(client: Client, sparkbrook: Ward) -> None:
    points = make_voting_round(sparkbrook, BallotType.CUMULATIVE, title="Points")
    ranked = make_voting_round(sparkbrook, BallotType.RANKED, title="Ranked")
    (pc,) = services.issue_codes(points, 1)
    (rc,) = services.issue_codes(ranked, 1)
    p, r = project_ids(points), project_ids(ranked)
    done = cast_json(
        client, _cast_url(points), {"code": pc, "points": {str(p[0]): 7, str(p[3]): 3}}
    )
    assert done.status_code == 201
    assert Ballot.objects.get(round=points).selection == {str(p[0]): 7, str(p[3]): 3}
    over = cast_json(client, _cast_url(points), {"code": pc, "points": {str(p[0]): 11}})
    assert over.status_code == 400 and "11 points" in over.json()["reason"]
    done = cast_json(client, _cast_url(ranked), {"code": rc, "ranking": [r[4], r[1]]})
    assert done.status_code == 201
    assert Ballot.objects.get(round=ranked).selection == [str(r[4]), str(r[1])]


def test_signed_in_resident_omits_the_code(
    client: Client, voting_round: Round, ids: list[int], resident_alice: Any
) -> None:
    login(client, resident_alice)
    done = cast_json(client, _cast_url(voting_round), {"projects": [ids[0]]})
    assert done.status_code == 201
    again = cast_json(client, _cast_url(voting_round), {"projects": [ids[1]]})
    assert again.status_code == 200


@pytest.mark.parametrize("who", ["anonymous", "resident_rhys", "councillor_sam"])
def test_without_a_code_only_the_wards_residents_vote(
    client: Client, voting_round: Round, ids: list[int], who: str, request: pytest.FixtureRequest
) -> None:
    if who != "anonymous":
        login(client, request.getfixturevalue(who))
    refused = cast_json(client, _cast_url(voting_round), {"projects": [ids[0]]})
    assert refused.status_code == 403 and refused.json()["reason"]
    assert not Ballot.objects.exists()


def _refused(client: Client, round: Round, body: dict[str, Any], status: int, words: str) -> None:
    response = cast_json(client, _cast_url(round), body)
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    assert words in response.json()["reason"]


def test_refusals_are_json_with_a_reason(
    client: Client,
    voting_round: Round,
    ids: list[int],
    issued_codes: list[str],
    councillor_sam: Any,
) -> None:
    code = issued_codes[0]
    _refused(client, voting_round, {"code": code, "projects": [999999]}, 400, "not on this ballot")
    _refused(client, voting_round, {"code": code, "projects": ids[2:]}, 400, "more than the £100")
    _refused(client, voting_round, {"code": "nonsense", "projects": [ids[0]]}, 400, "18 letters")
    _refused(client, voting_round, {"code": code, "projects": "x"}, 400, "not a project")
    _refused(client, voting_round, {"code": 12345, "projects": [ids[0]]}, 400, "text")
    services.revoke_code(voting_round, issued_codes[1], by=councillor_sam, reason="stolen")
    _refused(
        client, voting_round, {"code": issued_codes[1], "projects": [ids[0]]}, 400, "not valid"
    )
    Round.objects.filter(pk=voting_round.pk).update(phase=Phase.REVIEW)
    _refused(client, voting_round, {"code": code, "projects": [ids[0]]}, 400, "not opened")
    assert not Ballot.objects.exists()


def test_unknown_and_used_codes_get_byte_identical_answers(
    client: Client,
    voting_round: Round,
    ids: list[int],
    issued_codes: list[str],
    councillor_sam: Any,
    councillor_sia: Any,
) -> None:
    used = issued_codes[0]
    for who in (councillor_sam, councillor_sia):
        services.enter_paper_batch(
            voting_round,
            polling_place="Library",
            by=who,
            account=services.PaperAccount(1, 0, 0, 1),
            ballots=[{"code": used, "projects": [ids[0]]}],
        )
    unknown = cast_json(
        client, _cast_url(voting_round), {"code": codes.new_code(), "projects": [ids[1]]}
    )
    paper = cast_json(client, _cast_url(voting_round), {"code": used, "projects": [ids[1]]})
    assert unknown.status_code == paper.status_code == 400
    assert unknown.content == paper.content
    assert unknown["Content-Type"] == paper["Content-Type"]


def test_failed_codes_are_rate_limited_per_client(
    voting_round: Round, ids: list[int], issued_codes: list[str]
) -> None:
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(services.CODE_FAILURE_LIMIT_PER_CLIENT):
        body = {"code": codes.new_code(), "projects": [ids[0]]}
        assert cast_json(attacker, _cast_url(voting_round), body).status_code == 400
    blocked = cast_json(
        attacker, _cast_url(voting_round), {"code": issued_codes[0], "projects": [ids[0]]}
    )
    assert blocked.status_code == 429 and "Too many" in blocked.json()["reason"]
    neighbour = Client(REMOTE_ADDR="203.0.113.8")
    ok = cast_json(
        neighbour, _cast_url(voting_round), {"code": issued_codes[0], "projects": [ids[0]]}
    )
    assert ok.status_code == 201


def test_receipt_api(client: Client, small_round: Round) -> None:
    ids = project_ids(small_round)
    (code,) = services.issue_codes(small_round, 1)
    receipt = services.cast_ballot(
        small_round, [ids[1], ids[0]], code=code, declaration=DECLARED
    ).receipt
    url = f"/api/v1/receipts/{receipt}/"
    assert client.get(url).json() == {"round": small_round.pk, "status": "pending"}
    assert client.get(url.replace(receipt, receipt.lower().replace("-", ""))).status_code == 200
    services.close_round(small_round)
    assert client.get(url).json() == {"round": small_round.pk, "status": "counted"}
    services.publish_round(small_round)
    assert client.get(url).json() == {
        "round": small_round.pk,
        "status": "counted",
        "ballot": sorted([str(ids[0]), str(ids[1])]),
    }
    missing = client.get("/api/v1/receipts/ABCD-EFGH-JKLM-NPQR/")
    assert missing.status_code == 404 and missing.json()["reason"]
    assert client.post(url).status_code == 405


@pytest.fixture
def counted_round(small_round: Round) -> Round:
    ids = project_ids(small_round)
    issued = services.issue_codes(small_round, 3)
    for code, sel in zip(issued, [[ids[0], ids[1]], [ids[0]], [ids[4]]], strict=True):
        services.cast_ballot(small_round, sel, code=code, declaration=DECLARED)
    return small_round


@pytest.mark.parametrize("who", ["anonymous", "resident_alice", "councillor_bob", "auditor_carol"])
def test_close_and_publish_refused_to_others(
    client: Client, counted_round: Round, who: str, request: pytest.FixtureRequest
) -> None:
    if who != "anonymous":
        login(client, request.getfixturevalue(who))
    refused = post_json(client, f"/api/v1/rounds/{counted_round.pk}/close/")
    assert refused.status_code == 403 and refused.json()["reason"]
    services.close_round(counted_round)
    refused = post_json(client, f"/api/v1/rounds/{counted_round.pk}/publish/")
    assert refused.status_code == 403 and refused.json()["reason"]
    assert Round.objects.get(pk=counted_round.pk).phase == Phase.CLOSED


def test_close_and_publish_through_the_api(
    client: Client, counted_round: Round, councillor_sam: Any, councillor_sia: Any
) -> None:
    rid = counted_round.pk
    assert client.get(f"/api/v1/rounds/{rid}/result/").status_code == 404
    login(client, councillor_sam)
    assert client.get(f"/api/v1/rounds/{rid}/close/").status_code == 405
    closed = post_json(client, f"/api/v1/rounds/{rid}/close/")
    assert closed.status_code == 200 and closed.json()["phase"] == "closed"
    assert post_json(client, f"/api/v1/rounds/{rid}/close/").json() == closed.json()
    asked = post_json(client, f"/api/v1/rounds/{rid}/publish/")
    assert asked.status_code == 202 and asked.json()["status"] == "awaiting_second_approval"
    twice = post_json(client, f"/api/v1/rounds/{rid}/publish/")
    assert twice.status_code == 400 and "second councillor" in twice.json()["reason"]
    client.logout()
    assert client.get(f"/api/v1/rounds/{rid}/result/").status_code == 404
    login(client, councillor_sia)
    published = post_json(client, f"/api/v1/rounds/{rid}/publish/")
    assert published.status_code == 200 and published.json()["status"] == "published"
    client.logout()
    result = client.get(f"/api/v1/rounds/{rid}/result/")
    assert result.status_code == 200
    body = result.json()
    for key in ("rule", "sat", "budget", "spent", "selected", "projects"):
        assert key in body
    assert body["rule"] == "greedy" and body["budget"] == 10_000
    assert body["selected"] == [str(i) for i in project_ids(counted_round)[:2]]
    assert body["round"] == rid and body["phase"] == "published"
    assert body["turnout"] == {"online": 3, "paper": 0, "total": 3}
    assert {p["id"] for p in body["projects"]} == {str(i) for i in project_ids(counted_round)}
    assert body["ballots_sha256"] and body["result_sha256"] and body["software_version"]
    assert body["tie_breaking"]


def test_close_outside_voting_is_a_400(
    client: Client, voting_round: Round, councillor_sam: Any
) -> None:
    Round.objects.filter(pk=voting_round.pk).update(phase=Phase.REVIEW)
    login(client, councillor_sam)
    refused = post_json(client, f"/api/v1/rounds/{voting_round.pk}/close/")
    assert refused.status_code == 400 and "Only a round in voting" in refused.json()["reason"]


def test_turnout_api_never_shows_counts(client: Client, counted_round: Round) -> None:
    body = client.get(f"/api/v1/rounds/{counted_round.pk}/turnout/").json()
    assert body == {"online": 3, "paper": 0, "total": 3}


def test_unknown_and_draft_rounds_are_404(client: Client, voting_round: Round) -> None:
    assert post_json(client, "/api/v1/rounds/999999/ballots/", {}).status_code == 404
    Round.objects.filter(pk=voting_round.pk).update(phase=Phase.DRAFT)
    assert cast_json(client, _cast_url(voting_round), {"code": "x"}).status_code == 404


def test_cast_is_post_only(client: Client, voting_round: Round) -> None:
    assert client.get(_cast_url(voting_round)).status_code == 405


def test_schema_lists_the_voting_paths(client: Client) -> None:
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"] if schema["Content-Type"].endswith("json") else None
    if paths is None:
        import yaml

        paths = yaml.safe_load(schema.content)["paths"]
    for path in (
        "/api/v1/rounds/{round_id}/ballots/",
        "/api/v1/rounds/{round_id}/close/",
        "/api/v1/rounds/{round_id}/publish/",
        "/api/v1/rounds/{round_id}/result/",
        "/api/v1/receipts/{code}/",
    ):
        assert path in paths, sorted(paths)
    assert "post" in paths["/api/v1/rounds/{round_id}/ballots/"]
