"""The standalone verifier: a clean round verifies from its downloads alone, and every kind of
tampering is caught and named (exit 1), while unreadable files and bad arguments exit 2."""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from audit.canonical import (
    canonical_bytes,
    checkpoint_message,
    event_hash,
    key_id,
    ledger_line,
)
from audit.verify import main
from tests.audit.conftest import Downloads

ROOT = Path(__file__).resolve().parents[2]


def verify(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str]:
    status = main([str(a) for a in args])
    captured = capsys.readouterr()
    return status, captured.out + captured.err


def body_of(line: bytes) -> dict:
    return json.loads(line)["event"]


def line_for(body: dict) -> bytes:
    raw = canonical_bytes(body)
    return ledger_line(raw, event_hash(raw))


def rechain(lines: list[bytes], start: int) -> list[bytes]:
    """Recompute every hash and link from line `start` (0-based) on, as a forger would."""
    out = lines[:start]
    prev = json.loads(out[-1])["hash"] if out else "0" * 64
    for line in lines[start:]:
        body = body_of(line)
        body["prev"] = prev
        new = line_for(body)
        prev = json.loads(new)["hash"]
        out.append(new)
    return out


def all_checks(d: Downloads, ledger: Path | None = None) -> list[object]:
    return [
        ledger or d.ledger,
        "--key",
        d.key,
        "--checkpoints",
        d.checkpoints,
        "--ballots",
        d.ballots,
        "--result",
        d.result,
    ]


# --- The happy paths --------------------------------------------------------------------------


def test_a_whole_round_verifies_from_its_downloads_alone(downloads: Downloads, capsys) -> None:
    status, out = verify(capsys, *all_checks(downloads), "--require-signed")
    assert status == 0, out
    assert "OK ledger.jsonl" in out
    assert "2 checkpoint(s) in checkpoints.json signed and matching the ledger" in out
    assert "6 published ballots match the sealed commitments (7 sealed, 1 superseded)" in out
    assert "re-running greedy selects the published 3 projects" in out


def test_the_round_ledger_verifies_though_its_links_skip(downloads: Downloads, capsys) -> None:
    status, out = verify(
        capsys,
        downloads.round_ledger,
        "--key",
        downloads.key,
        "--checkpoints",
        downloads.checkpoints,
        "--ballots",
        downloads.ballots,
        "--result",
        downloads.result,
    )
    assert status == 0, out
    assert "events of round 7 (closed)" in out
    assert "6 published ballots match" in out


def test_a_newer_ledger_extends_an_older_copy(downloads: Downloads, capsys) -> None:
    older = downloads.write_lines(downloads.lines()[:10], "older.jsonl")
    status, out = verify(capsys, downloads.ledger, "--previous", older)
    assert status == 0, out
    assert "extends the earlier copy" in out


def test_without_a_key_the_summary_says_signatures_were_not_checked(
    downloads: Downloads, capsys
) -> None:
    status, out = verify(capsys, downloads.ledger, "--checkpoints", downloads.checkpoints)
    assert status == 0, out
    assert "NOT checked" in out


def test_strict_mode_also_accepts_a_genuine_ledger(downloads: Downloads, capsys) -> None:
    assert verify(capsys, downloads.ledger, "--strict")[0] == 0


def test_two_processes_give_the_same_answer(downloads: Downloads, capsys) -> None:
    lines = downloads.lines()
    status, out = verify(capsys, downloads.ledger, "--jobs", "2")
    assert status == 0, out
    bad = list(lines)
    bad[14] = bad[14].replace(b"Elsewhere", b"Elsewhare")
    status, out = verify(capsys, downloads.write_lines(bad), "--jobs", "3")
    assert status == 1
    assert "line 15: hash mismatch" in out


# --- Tampering with the ledger ----------------------------------------------------------------


def test_one_changed_byte_in_a_payload_is_a_hash_mismatch(downloads: Downloads, capsys) -> None:
    lines = downloads.lines()
    assert b"Project 2" in lines[5]
    lines[5] = lines[5].replace(b"Project 2", b"Project 3")
    status, out = verify(capsys, downloads.write_lines(lines))
    assert status == 1
    assert "FAILED tampered.jsonl line 6: hash mismatch" in out


def test_a_deleted_line_is_a_missing_sequence_number(downloads: Downloads, capsys) -> None:
    lines = downloads.lines()
    del lines[3]
    status, out = verify(capsys, downloads.write_lines(lines))
    assert status == 1
    assert "line 4: missing sequence number 4 (found 5 after 3)" in out


def test_a_deleted_line_with_renumbering_is_a_broken_link(downloads: Downloads, capsys) -> None:
    lines = downloads.lines()
    del lines[3]
    renumbered = [line_for({**body_of(x), "seq": n}) for n, x in enumerate(lines, start=1)]
    # The renumbered events' own hashes are right; their links still point to the old ones.
    status, out = verify(capsys, downloads.write_lines(renumbered))
    assert status == 1
    assert "line 4: broken link: event 4 says the previous event's hash is" in out


def test_swapped_lines_are_caught(downloads: Downloads, capsys) -> None:
    lines = downloads.lines()
    lines[2], lines[3] = lines[3], lines[2]
    status, out = verify(capsys, downloads.write_lines(lines))
    assert status == 1
    assert "line 3: missing sequence number 3 (found 4 after 2)" in out


def test_a_repeated_line_is_a_repeated_sequence_number(downloads: Downloads, capsys) -> None:
    lines = downloads.lines()
    lines.insert(3, lines[2])
    status, out = verify(capsys, downloads.write_lines(lines))
    assert status == 1
    assert "line 4: repeated sequence number 3" in out


def test_a_line_that_is_not_json_is_named(downloads: Downloads, capsys) -> None:
    lines = downloads.lines()
    lines[4] = b'{"event":{"seq":5,\n'
    status, out = verify(capsys, downloads.write_lines(lines))
    assert status == 1
    assert "line 5: the line is not valid JSON" in out


def test_a_file_cut_mid_line_is_named(downloads: Downloads, capsys) -> None:
    data = downloads.ledger.read_bytes()
    path = downloads.dir / "cut.jsonl"
    path.write_bytes(data[:-40])
    status, out = verify(capsys, path)
    assert status == 1
    assert f"line {len(downloads.lines())}: the last line does not end with a newline" in out


def test_a_naively_forged_event_is_a_hash_mismatch(downloads: Downloads, capsys) -> None:
    lines = downloads.lines()
    last = body_of(lines[-1])
    forged = {
        **last,
        "seq": last["seq"] + 1,
        "kind": "result.published",
        "payload": {"selected": ["3"]},
        "prev": json.loads(lines[-1])["hash"],
    }
    lines.append(ledger_line(canonical_bytes(forged), "ab" * 32))
    status, out = verify(capsys, downloads.write_lines(lines))
    assert status == 1
    assert f"line {len(lines)}: hash mismatch" in out


def test_a_well_formed_forged_event_is_not_covered_by_a_signature(
    downloads: Downloads, capsys
) -> None:
    lines = downloads.lines()
    last = body_of(lines[-1])
    forged = {
        **last,
        "seq": last["seq"] + 1,
        "kind": "code.revoked",  # a kind any phase allows
        "payload": {"code_id": 3, "reason": "lost"},
        "prev": json.loads(lines[-1])["hash"],
    }
    lines.append(line_for(forged))
    path = downloads.write_lines(lines)
    status, out = verify(capsys, path, "--key", downloads.key, "--require-signed")
    assert status == 1
    assert f"line {len(lines)}: events {len(lines)}–{len(lines)} are not yet covered" in out
    status, out = verify(capsys, path, "--key", downloads.key)
    assert status == 0
    assert "note: events" in out


def test_a_rewritten_history_contradicts_the_signed_checkpoints(
    downloads: Downloads, capsys
) -> None:
    lines = downloads.lines()
    body = body_of(lines[4])
    body["payload"]["title"] = "Something else"
    lines[4] = line_for(body)
    lines = rechain(lines, 4)
    path = downloads.write_lines(lines)
    status, out = verify(capsys, path)
    assert status == 1  # the checkpoint event inside the ledger no longer names its predecessor
    assert "does not sign the event right before it" in out


def test_a_rewritten_history_with_checkpoints_left_out_is_caught_by_the_checkpoints_file(
    downloads: Downloads, capsys
) -> None:
    lines = downloads.lines()
    body = body_of(lines[4])
    body["payload"]["title"] = "Something else"
    lines[4] = line_for(body)
    # The forger also turns the ledger's own checkpoint events into harmless-looking ones.
    for i, line in enumerate(lines):
        if b'"kind":"checkpoint.signed"' in line:
            lines[i] = line_for({**body_of(line), "kind": "code.revoked", "payload": {}})
    lines = rechain(lines, 4)
    status, out = verify(
        capsys, downloads.write_lines(lines), "--checkpoints", downloads.checkpoints
    )
    assert status == 1
    assert "history was rewritten after it was signed" in out


def test_an_event_of_another_round_in_a_round_ledger_is_named(downloads: Downloads, capsys) -> None:
    round_lines = downloads.round_ledger.read_bytes().splitlines(keepends=True)
    other = downloads.lines()[11]  # seq 12, Aston's round 8, between round 7's 11 and 13
    assert b'"round":8,"seq":12,' in other
    index = next(i for i, x in enumerate(round_lines) if b'"seq":13,' in x)
    round_lines.insert(index, other)
    status, out = verify(capsys, downloads.write_lines(round_lines))
    assert status == 1
    assert f"line {index + 1}: event 12 belongs to round 8, not to round 7" in out


def test_a_changed_byte_in_a_round_ledger_is_caught(downloads: Downloads, capsys) -> None:
    round_lines = downloads.round_ledger.read_bytes().splitlines(keepends=True)
    round_lines[2] = round_lines[2].replace(b"proposals", b"proposalz")
    status, out = verify(capsys, downloads.write_lines(round_lines))
    assert status == 1
    assert "line 3: hash mismatch" in out


# --- Tampering with signatures ----------------------------------------------------------------


def _checkpoints(d: Downloads) -> dict:
    return json.loads(d.checkpoints.read_text())


def _write_checkpoints(d: Downloads, data: dict) -> Path:
    path = d.dir / "checkpoints-tampered.json"
    path.write_text(json.dumps(data))
    return path


def test_a_replaced_checkpoint_signature_is_a_bad_signature(downloads: Downloads, capsys) -> None:
    data = _checkpoints(downloads)
    first, second = data["checkpoints"]
    first["signature"] = second["signature"]
    path = _write_checkpoints(downloads, data)
    status, out = verify(capsys, downloads.ledger, "--key", downloads.key, "--checkpoints", path)
    assert status == 1
    assert f"checkpoint 1 (seq {first['seq']}): bad signature" in out


def test_a_replaced_signature_inside_the_ledger_is_a_bad_signature(
    downloads: Downloads, capsys
) -> None:
    lines = downloads.lines()
    index = max(i for i, x in enumerate(lines) if b'"kind":"checkpoint.signed"' in x)
    body = body_of(lines[index])
    body["payload"]["signature"] = base64.b64encode(b"\0" * 64).decode()
    lines[index] = line_for(body)
    lines = rechain(lines, index)
    status, out = verify(capsys, downloads.write_lines(lines), "--key", downloads.key)
    assert status == 1
    assert f"line {index + 1}: bad signature on the checkpoint of seq {body['seq'] - 1}" in out


def test_checkpoints_signed_with_another_key_are_caught(downloads: Downloads, capsys) -> None:
    other = Ed25519PrivateKey.generate()
    data = _checkpoints(downloads)
    for entry in data["checkpoints"]:
        entry["signature"] = base64.b64encode(
            other.sign(checkpoint_message(entry["seq"], entry["hash"]))
        ).decode()
    path = _write_checkpoints(downloads, data)
    status, out = verify(capsys, downloads.ledger, "--key", downloads.key, "--checkpoints", path)
    assert status == 1
    assert "checkpoint 1" in out and "bad signature" in out

    from cryptography.hazmat.primitives import serialization

    raw = other.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    for entry in data["checkpoints"]:
        entry["key_id"] = key_id(raw)
    path = _write_checkpoints(downloads, data)
    status, out = verify(capsys, downloads.ledger, "--key", downloads.key, "--checkpoints", path)
    assert status == 1
    assert "checkpoint signed with another key" in out


def test_a_truncated_ledger_is_caught_by_the_signed_checkpoint(
    downloads: Downloads, capsys
) -> None:
    lines = downloads.lines()
    last_signed = _checkpoints(downloads)["checkpoints"][-1]["seq"]
    cut = downloads.write_lines(lines[: last_signed - 2])
    status, out = verify(
        capsys, cut, "--key", downloads.key, "--checkpoints", downloads.checkpoints
    )
    assert status == 1
    assert f"but this checkpoint signs seq {last_signed}" in out
    assert "the ledger was truncated" in out


def test_a_truncated_and_re_signed_ledger_is_caught_by_an_earlier_copy(
    downloads: Downloads, capsys, signing_key: Ed25519PrivateKey
) -> None:
    lines = downloads.lines()
    keep = lines[:12]  # a server rewriting history with its own key
    head = json.loads(keep[-1])
    entry = {
        "seq": len(keep),
        "hash": head["hash"],
        "signature": base64.b64encode(
            signing_key.sign(checkpoint_message(len(keep), head["hash"]))
        ).decode(),
        "key_id": json.loads(downloads.checkpoints.read_text())["key_id"],
        "created_at": "2026-11-24T23:59:00Z",
        "reason": "re-signed",
    }
    resigned = _write_checkpoints(downloads, {"checkpoints": [entry]})
    cut = downloads.write_lines(keep)
    status, out = verify(capsys, cut, "--key", downloads.key, "--checkpoints", resigned)
    assert status == 0, out  # on its own, the rewritten ledger is consistent...
    status, out = verify(
        capsys,
        cut,
        "--key",
        downloads.key,
        "--checkpoints",
        resigned,
        "--previous",
        downloads.ledger,
    )
    assert status == 1  # ...but not with the copy an auditor kept
    assert "line 13: the earlier copy" in out and "missing here" in out


def test_a_changed_line_against_an_earlier_copy_is_named(downloads: Downloads, capsys) -> None:
    lines = downloads.lines()
    index = next(i for i, x in enumerate(lines) if b"accepted" in x)
    lines[index] = lines[index].replace(b"accepted", b"rejected")
    status, out = verify(
        capsys, downloads.write_lines(rechain(lines, index)), "--previous", downloads.ledger
    )
    assert status == 1
    assert f"line {index + 1}: differs from the same line of the earlier copy" in out


# --- Ballots and the result -------------------------------------------------------------------


def _pb_lines(d: Downloads) -> list[str]:
    return d.ballots.read_text().splitlines(keepends=True)


def _write_pb(d: Downloads, lines: list[str]) -> Path:
    path = d.dir / "ballots-tampered.pb"
    path.write_text("".join(lines))
    return path


def test_ballots_that_are_not_the_published_file_are_named(downloads: Downloads, capsys) -> None:
    lines = [x.replace("description;demo", "description;other") for x in _pb_lines(downloads)]
    args = all_checks(downloads)
    args[args.index(downloads.ballots)] = _write_pb(downloads, lines)
    status, out = verify(capsys, *args)
    assert status == 1  # same ballots, same result, but not the file the council published
    assert "ballots-tampered.pb differs from the published file: its SHA-256 is" in out


def test_a_published_ballot_that_differs_from_its_commitment(downloads: Downloads, capsys) -> None:
    lines = _pb_lines(downloads)
    receipt = list(downloads.demo.ballots)[3]  # voted for project 1 only
    index = next(i for i, x in enumerate(lines) if x.startswith(receipt))
    lines[index] = f"{receipt};1,2\n"
    path = _write_pb(downloads, lines)
    args = all_checks(downloads)
    args[args.index(downloads.ballots)] = path
    status, out = verify(capsys, *args)
    assert status == 1
    assert f"ballots-tampered.pb line {index + 1}: commitment mismatch" in out
    assert "altered after it was sealed" in out


def test_a_dropped_ballot_is_named(downloads: Downloads, capsys) -> None:
    lines = _pb_lines(downloads)
    receipt = list(downloads.demo.ballots)[2]
    lines = [x for x in lines if not x.startswith(receipt)]
    args = all_checks(downloads)
    args[args.index(downloads.ballots)] = _write_pb(downloads, lines)
    status, out = verify(capsys, *args)
    assert status == 1
    assert "no published ballot matches it (a ballot was dropped" in out


def test_an_added_ballot_is_named(downloads: Downloads, capsys) -> None:
    lines = _pb_lines(downloads)
    lines.append("f" * 32 + ";1,2,3\n")
    args = all_checks(downloads)
    args[args.index(downloads.ballots)] = _write_pb(downloads, lines)
    status, out = verify(capsys, *args)
    assert status == 1
    assert f"line {len(lines)}: commitment mismatch: published ballot ffffffffffff" in out


def test_a_superseded_ballot_published_instead_of_its_replacement(
    downloads: Downloads, capsys
) -> None:
    lines = _pb_lines(downloads)
    receipt = next(iter(downloads.demo.ballots))
    lines = [f"{receipt};3\n" if x.startswith(receipt) else x for x in lines]
    args = all_checks(downloads)
    args[args.index(downloads.ballots)] = _write_pb(downloads, lines)
    status, out = verify(capsys, *args)
    assert status == 1
    assert "superseded by a replacement ballot" in out


def test_a_result_that_differs_from_the_rerun_is_named(downloads: Downloads, capsys) -> None:
    result = json.loads(downloads.result.read_text())
    result["selected"] = ["1", "3"]
    downloads.result.write_text(json.dumps(result))
    status, out = verify(capsys, *all_checks(downloads))
    assert status == 1
    assert "result.json: result differs: re-running greedy (cost)" in out


def test_the_round_can_be_given_when_the_result_does_not_say(downloads: Downloads, capsys) -> None:
    result = json.loads(downloads.result.read_text())
    del result["round"]
    downloads.result.write_text(json.dumps(result))
    # The ledger seals ballots for one round only, so the verifier can tell which: every check
    # passes but the last (this is no longer the file the council published).
    status, out = verify(capsys, *all_checks(downloads))
    assert status == 1
    assert "result.json differs from the published file" in out
    status, out = verify(capsys, *all_checks(downloads), "--round", "8")
    assert status == 1
    assert "matches no sealed commitment of round 8" in out


# --- Usage errors -----------------------------------------------------------------------------


def test_a_missing_file_exits_2(downloads: Downloads, capsys, tmp_path: Path) -> None:
    status, out = verify(capsys, tmp_path / "nope.jsonl")
    assert status == 2
    assert "cannot open" in out
    status, out = verify(capsys, downloads.ledger, "--checkpoints", tmp_path / "nope.json")
    assert status == 2


def test_wrong_arguments_exit_2(downloads: Downloads, capsys) -> None:
    assert verify(capsys, downloads.ledger, "--ballots", downloads.ballots)[0] == 2
    with pytest.raises(SystemExit) as exc:
        main(["--no-such-option"])
    assert exc.value.code == 2
    assert verify(capsys, downloads.ledger, "--key", downloads.ballots)[0] == 2


def test_a_key_given_inline_as_base64_works(downloads: Downloads, capsys) -> None:
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_public_key(downloads.key.read_bytes())
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    status, out = verify(capsys, downloads.ledger, "--key", base64.b64encode(raw).decode())
    assert status == 0, out


# --- Standalone -------------------------------------------------------------------------------

_NO_DJANGO = """
import runpy, sys
sys.argv = ["audit.verify", *sys.argv[1:]]
try:
    runpy.run_module("audit.verify", run_name="__main__")
except SystemExit as exc:
    loaded = sorted(m for m in sys.modules if m == "django" or m.startswith("django."))
    print("DJANGO MODULES:", loaded)
    raise
"""


def test_the_verifier_runs_without_django(downloads: Downloads) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(
        [sys.executable, "-c", _NO_DJANGO, *[str(a) for a in all_checks(downloads)], "--progress"],
        capture_output=True,
        text=True,
        env=env,
        cwd=downloads.dir,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "DJANGO MODULES: []" in result.stdout
    assert "verifying ledger.jsonl [" in result.stderr  # the progress bar, asked for

    bad = downloads.lines()
    bad[1] = bad[1].replace(b"Aston", b"Aspen")
    tampered = downloads.write_lines(bad)
    result = subprocess.run(
        [sys.executable, "-m", "audit.verify", str(tampered)],
        capture_output=True,
        text=True,
        env=env,
        cwd=downloads.dir,
        timeout=60,
    )
    assert result.returncode == 1
    assert "line 2: hash mismatch" in result.stdout
    assert result.stderr == ""  # no progress bar when stderr is not a terminal


def test_hashing_is_over_the_stored_bytes() -> None:
    body = canonical_bytes({"b": "é", "a": [1, 2]})
    assert body == b'{"a":[1,2],"b":"\\u00e9"}'
    assert event_hash(body) == hashlib.sha256(body).hexdigest()


@pytest.mark.django_db
def test_a_kind_named_inside_a_payload_is_not_taken_for_the_event_kind(
    tmp_path: Path, capsys
) -> None:
    import audit
    from audit.models import Event
    from audit.views import ledger_lines

    actor = audit.Actor("councillor", "3f2a9c0d11e4b5a6c7d8")
    audit.record(
        "ballots.sealed",
        ward="x",
        round=1,
        actor=actor,
        payload={"commitments": ["a" * 64], "superseded": []},
    )
    audit.record(
        "round.updated",
        ward="x",
        round=1,
        actor=actor,
        payload={"note": {"kind": "ballots.sealed", "x": '"kind":"ballots.sealed"'}},
    )
    path = tmp_path / "ledger.jsonl"
    path.write_bytes(b"".join(ledger_lines(Event.objects.all())))
    status, out = verify(capsys, path)
    assert status == 0, out


# --- The order of a round's phases ----------------------------------------------------------

PHASE_STEPS = ["draft", "proposals", "review", "voting", "closed", "published"]
SEAL = {"commitments": ["c" * 64], "superseded": []}


def _ledger_of(tmp_path: Path, events: list[tuple[str, int, dict]]) -> Path:
    """A handmade ledger (as a forger or a hand-written demo would make it), chained properly."""
    import audit
    from audit.models import Event
    from audit.views import ledger_lines

    actor = audit.Actor("councillor", "3f2a9c0d11e4b5a6c7d8")
    for kind, round_id, payload in events:
        audit.record(kind, ward="edgbaston", round=round_id, actor=actor, payload=payload)
    path = tmp_path / "ledger.jsonl"
    path.write_bytes(b"".join(ledger_lines(Event.objects.order_by("seq"))))
    return path


def _step(start: str, to: str, round_id: int = 1) -> tuple[str, int, dict]:
    return ("round.phase_changed", round_id, {"from": start, "to": to})


def _round_until(phase: str, round_id: int = 1) -> list[tuple[str, int, dict]]:
    """A real history of a round up to `phase`: created, proposed, reviewed, voted, closed."""
    events: list[tuple[str, int, dict]] = [("round.created", round_id, {"title": "A round"})]
    during = {
        "proposals": [("proposal.submitted", round_id, {"proposal": 1})],
        "review": [("proposal.reviewed", round_id, {"proposal": 1})],
        "voting": [("round.settings_frozen", round_id, {}), ("ballots.sealed", round_id, SEAL)],
        "closed": [("ballots.sealed", round_id, SEAL), ("round.closed", round_id, {})],
        "published": [("result.published", round_id, {})],
    }
    for before, after in itertools.pairwise(PHASE_STEPS):
        if PHASE_STEPS.index(after) > PHASE_STEPS.index(phase):
            break
        events.append(_step(before, after, round_id))
        events.extend(during[after])
    return events


@pytest.mark.django_db
def test_a_round_that_follows_its_phases_verifies(tmp_path: Path, capsys) -> None:
    events = _round_until("published") + _round_until("review", round_id=2)
    status, out = verify(capsys, _ledger_of(tmp_path, events))
    assert status == 0, out


@pytest.mark.django_db
def test_published_before_closed_then_closed_again_is_refused(tmp_path: Path, capsys) -> None:
    # What the hand-written demo recorded for Edgbaston: published with no ballot sealed, then
    # ballots sealed, closed and published again.
    events = [
        *_round_until("voting")[:-1],
        _step("voting", "closed"),
        _step("closed", "published"),
        ("ballots.sealed", 1, SEAL),
        _step("voting", "closed"),
        ("round.closed", 1, {}),
    ]
    status, out = verify(capsys, _ledger_of(tmp_path, events))
    assert status == 1
    assert "FAILED ledger.jsonl line 9: round 1: published before round.closed" in out


@pytest.mark.parametrize(
    ("events", "line", "why"),
    [
        pytest.param(
            [*_round_until("review"), ("ballots.sealed", 1, SEAL)],
            6,
            "round 1: ballots.sealed in the review phase (ballots are sealed only while voting",
            id="sealed-before-voting",
        ),
        pytest.param(
            [*_round_until("proposals"), ("ballot.assisted", 1, {})],
            4,
            "round 1: ballot.assisted in the proposals phase (ballot.assisted happens only in the "
            "voting phase)",
            id="ballot-before-voting",
        ),
        pytest.param(
            [*_round_until("review"), ("round.closed", 1, {})],
            6,
            "round 1: round.closed in the review phase",
            id="closed-before-voting",
        ),
        pytest.param(
            [*_round_until("voting"), ("round.closed", 1, {})],
            9,
            "round 1: round.closed in the voting phase",
            id="closed-without-leaving-voting",
        ),
        pytest.param(
            [*_round_until("closed"), ("ballots.sealed", 1, SEAL)],
            12,
            "round 1: ballots.sealed in the closed phase",
            id="sealed-after-close",
        ),
        pytest.param(
            [*_round_until("closed"), ("result.published", 1, {})],
            12,
            "round 1: result.published in the closed phase",
            id="published-without-phase-change",
        ),
        pytest.param(
            [*_round_until("voting")[:-2], _step("voting", "closed"), _step("closed", "published")],
            8,
            "round 1: published before round.closed",
            id="published-before-closed",
        ),
        pytest.param(
            [*_round_until("published"), _step("published", "closed")],
            14,
            "round 1: the phase goes back from published to closed",
            id="backwards",
        ),
        pytest.param(
            [*_round_until("proposals"), _step("proposals", "voting")],
            4,
            "round 1: the phase goes skipping ahead from proposals to voting",
            id="skipping",
        ),
        pytest.param(
            [*_round_until("review"), _step("proposals", "review")],
            6,
            "round 1: the phase changes from proposals, but the round's events put it in the "
            "review phase",
            id="from-the-wrong-phase",
        ),
        pytest.param(
            [*_round_until("proposals"), ("round.created", 1, {})],
            4,
            "round 1: round.created again",
            id="created-twice",
        ),
        pytest.param(
            # A round whose history starts before the ledger: its events must fit one phase.
            [("proposal.submitted", 1, {}), ("ballots.sealed", 1, SEAL)],
            2,
            "round 1: ballots.sealed in the proposals phase",
            id="no-history-two-phases",
        ),
    ],
)
@pytest.mark.django_db
def test_events_out_of_their_rounds_phase_order_are_refused(
    tmp_path: Path, capsys, events: list, line: int, why: str
) -> None:
    status, out = verify(capsys, _ledger_of(tmp_path, events))
    assert status == 1, out
    assert f"FAILED ledger.jsonl line {line}: {why}" in out


@pytest.mark.django_db
def test_a_round_whose_history_starts_before_the_ledger_is_checked_from_its_first_change(
    tmp_path: Path, capsys
) -> None:
    # Rounds made before the ledger (or by tests' fixtures) have no round.created.
    events = [
        ("ballots.sealed", 1, SEAL),
        _step("voting", "closed"),
        ("round.closed", 1, {}),
        _step("closed", "published"),
        ("result.published", 1, {}),
        _step("closed", "published", round_id=2),
        ("result.published", 2, {}),
    ]
    status, out = verify(capsys, _ledger_of(tmp_path, events))
    assert status == 0, out
    status, out = verify(
        capsys, _ledger_of(tmp_path, [("ballots.sealed", 3, SEAL), _step("review", "voting", 3)])
    )
    assert status == 1
    assert (
        "round 3: the phase changes from review, but the round's events put it in the voting" in out
    )


# --- The optional support phase -------------------------------------------------------------

SHORTLIST = ("round.shortlisted", 1, {"counts": {"1": 2}, "shortlisted": [1], "missed_by": {}})


@pytest.mark.django_db
@pytest.mark.parametrize("after", ["proposals", "review"])
def test_a_round_through_support_verifies(tmp_path: Path, capsys, after: str) -> None:
    events = _round_until(after)
    following = {"proposals": "review", "review": "voting"}[after]
    events += [_step(after, "support"), SHORTLIST, _step("support", following)]
    status, out = verify(capsys, _ledger_of(tmp_path, events))
    assert status == 0, out


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("events", "why"),
    [
        pytest.param(
            [*_round_until("review"), _step("review", "support"), _step("support", "review")],
            "the phase goes from support to review, not to the phase support came before",
            id="support-back-to-review",
        ),
        pytest.param(
            [*_round_until("voting"), _step("voting", "support")],
            "the support phase cannot follow voting",
            id="support-after-voting",
        ),
        pytest.param(
            [
                *_round_until("proposals"),
                _step("proposals", "support"),
                _step("support", "review"),
                _step("review", "support"),
            ],
            "the round enters the support phase a second time",
            id="support-twice",
        ),
        pytest.param(
            [*_round_until("review"), SHORTLIST],
            "round.shortlisted in the review phase",
            id="shortlist-outside-support",
        ),
    ],
)
def test_support_out_of_order_is_refused(tmp_path: Path, capsys, events: list, why: str) -> None:
    status, out = verify(capsys, _ledger_of(tmp_path, events))
    assert status == 1
    assert why in out
