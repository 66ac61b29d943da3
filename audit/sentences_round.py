"""Plain-words sentences for a round's life: settings, phases, voting, counting, the ledger.

One function per kind of event, given who acted (audit.words.actor) and the payload, returning
one sentence in the reader's language. Payload keys are read leniently (several apps write
them); a sentence that lacks a detail it needs raises words.Missing and the page falls back
to the event's short label.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.utils.translation import gettext, gettext_noop, ngettext
from django.utils.translation import gettext_lazy as _

from audit import kinds
from audit.words import also, count, first, need, number, text, with_reason

Sentence = Callable[[str, Mapping[str, Any]], str]

# What a round's settings are called on its settings page (budgets.services.rounds.ROUND_FIELDS).
ROUND_FIELD_NAMES = {
    "title": _("title"),
    "description": _("description"),
    "neighbourhood": _("neighbourhood"),
    "budget_pence": _("budget"),
    "proposals_start": _("proposals start"),
    "proposals_end": _("proposals end"),
    "review_start": _("review start"),
    "review_end": _("review end"),
    "voting_start": _("voting start"),
    "voting_end": _("voting end"),
    "ballot_type": _("ballot type"),
    "rule": _("counting rule"),
    "categories": _("categories"),
    "min_age": _("minimum age"),
    "support_start": _("support start"),
    "support_end": _("support end"),
}


def _phase(who: str, p: Mapping[str, Any]) -> str:
    values = {"who": who}
    to = first(p, "to", "phase", "new")
    if to == "draft":
        return gettext("%(who)s moved the round back to draft") % values
    if to == "proposals":
        return gettext("%(who)s opened proposals") % values
    if to == "review":
        return gettext("%(who)s closed proposals and started the review") % values
    if to == "support":
        return (
            gettext(
                "%(who)s opened support: residents support the proposals they want on the ballot"
            )
            % values
        )
    if to == "voting":
        return gettext("%(who)s opened voting") % values
    if to == "closed":
        return gettext("%(who)s closed voting") % values
    if to == "published":
        return gettext("%(who)s published the result") % values
    if isinstance(to, str):
        return gettext("%(who)s moved the round to the phase “%(phase)s”") % {**values, "phase": to}
    return gettext("%(who)s moved the round to its next phase") % values


def _round_created(who: str, p: Mapping[str, Any]) -> str:
    title = text(first(p, "title", "name"))
    if title:
        return gettext("%(who)s created the budget round “%(title)s”") % {
            "who": who,
            "title": title,
        }
    return gettext("%(who)s created the round") % {"who": who}


def _round_updated(who: str, p: Mapping[str, Any]) -> str:
    changed = first(p, "changed", "fields")
    if not isinstance(changed, list | dict):
        return gettext("%(who)s changed the round's details") % {"who": who}
    names = ", ".join(str(ROUND_FIELD_NAMES.get(str(c), str(c).replace("_", " "))) for c in changed)
    sentence = gettext("%(who)s changed the round's settings: %(names)s") % {
        "who": who,
        "names": names,
    }
    return with_reason(sentence, p)


def _test_count(passed: bool) -> Sentence:
    def sentence(who: str, p: Mapping[str, Any]) -> str:
        deck = text(p.get("deck_sha256"))
        values = {"who": who, "deck": deck[:16] if deck else ""}
        if passed and deck:
            return (
                gettext(
                    "%(who)s counted a test deck of ballots before voting (deck SHA-256 "
                    "%(deck)s…): it chose the projects it was made to choose"
                )
                % values
            )
        if passed:
            return (
                gettext(
                    "%(who)s counted a test deck of ballots before voting: it chose the "
                    "projects it was made to choose"
                )
                % values
            )
        if deck:
            failed = (
                gettext(
                    "%(who)s counted a test deck of ballots before voting (deck SHA-256 "
                    "%(deck)s…): it FAILED"
                )
                % values
            )
        else:
            failed = (
                gettext("%(who)s counted a test deck of ballots before voting: it FAILED") % values
            )
        return with_reason(failed, p)  # the test count's reason stays in English, as recorded

    return sentence


def _codes(who: str, p: Mapping[str, Any]) -> str:
    n = count(p, "count", "codes", "issued")
    if n is None:
        return gettext("%(who)s issued voting codes") % {"who": who}
    return ngettext(
        "%(who)s issued %(count)s voting code", "%(who)s issued %(count)s voting codes", n
    ) % {"who": who, "count": number(n)}


def _sealed(who: str, p: Mapping[str, Any]) -> str:
    n = count(p, "commitments") or 0
    sentence = ngettext("%(count)s ballot sealed", "%(count)s ballots sealed", n) % {
        "count": number(n)
    }
    replaced = count(p, "superseded") or 0
    if not replaced:
        return sentence
    detail = ngettext(
        "%(count)s earlier ballot replaced by a new one",
        "%(count)s earlier ballots replaced by new ones",
        replaced,
    ) % {"count": number(replaced)}
    return also(sentence, detail)


def _batch_name(p: Mapping[str, Any]) -> str:
    batch = need(first(p, "batch", "batch_id", "id"))
    place = text(first(p, "polling_place"))
    return f"{batch} ({place})" if place else str(batch)


def _batch_entered(who: str, p: Mapping[str, Any]) -> str:
    values = {"who": who, "batch": _batch_name(p)}
    n = count(p, "count", "ballots")
    if n is None:
        return gettext("%(who)s entered paper batch %(batch)s") % values
    return ngettext(
        "%(who)s entered paper batch %(batch)s of %(count)s paper ballot",
        "%(who)s entered paper batch %(batch)s of %(count)s paper ballots",
        n,
    ) % {**values, "count": number(n)}


def _batch_accepted(who: str, p: Mapping[str, Any]) -> str:
    values = {"who": who, "batch": _batch_name(p)}
    n = count(p, "counted")
    if n is None:
        return gettext("%(who)s accepted paper batch %(batch)s") % values
    return ngettext(
        "%(who)s accepted paper batch %(batch)s: %(count)s ballot counted",
        "%(who)s accepted paper batch %(batch)s: %(count)s ballots counted",
        n,
    ) % {**values, "count": number(n)}


# Reasons the system itself gives for rejecting a paper batch.
BATCH_REASONS = {"the two entries disagree": _("the two typed entries of it disagree")}


def _batch_rejected(who: str, p: Mapping[str, Any]) -> str:
    values = {"who": who, "batch": _batch_name(p)}
    reason = text(first(p, "reason"))
    if reason is None:
        return gettext("%(who)s rejected paper batch %(batch)s") % values
    return gettext("%(who)s rejected paper batch %(batch)s: %(reason)s") % {
        **values,
        "reason": str(BATCH_REASONS.get(reason, reason)),
    }


def _closed(who: str, p: Mapping[str, Any]) -> str:
    # The event holds the result's fingerprint only: what was funded is public at publication.
    turnout = p.get("turnout")
    total = turnout.get("total") if isinstance(turnout, Mapping) else None
    if not isinstance(total, int) or isinstance(total, bool):
        return gettext(
            "%(who)s closed the round, sealed its last ballots and recorded a fingerprint "
            "of the result, which stays private until it is published"
        ) % {"who": who}
    return ngettext(
        "%(who)s closed the round (%(count)s voter), sealed its last ballots and recorded a "
        "fingerprint of the result, which stays private until it is published",
        "%(who)s closed the round (%(count)s voters), sealed its last ballots and recorded a "
        "fingerprint of the result, which stays private until it is published",
        total,
    ) % {"who": who, "count": number(total)}


def _cancelled(who: str, p: Mapping[str, Any]) -> str:
    if p.get("second_councillor"):
        sentence = gettext("%(who)s cancelled the round, agreeing to a colleague's request")
    else:
        sentence = gettext("%(who)s cancelled the round")
    sentence %= {"who": who}
    turnout = p.get("turnout")
    total = turnout.get("total") if isinstance(turnout, Mapping) else None
    if isinstance(total, int) and not isinstance(total, bool):
        sentence = also(
            sentence,
            ngettext(
                "%(count)s ballot cast, not counted", "%(count)s ballots cast, not counted", total
            )
            % {"count": number(total)},
        )
    return with_reason(sentence, p)


def _published(who: str, p: Mapping[str, Any]) -> str:
    n = count(p, "selected", "funded")
    if n is None:
        return gettext("%(who)s published the result") % {"who": who}
    return ngettext(
        "%(who)s published the result: %(count)s project funded",
        "%(who)s published the result: %(count)s projects funded",
        n,
    ) % {"who": who, "count": number(n)}


# Reasons the system gives when it signs the ledger (ballots.lifecycle, budgets cancelling).
CHECKPOINT_REASONS = {
    "round closed": _("when the round closed"),
    "result published": _("when the result was published"),
    "round cancelled": _("when the round was cancelled"),
    "on demand": _("on demand"),
}


def _checkpoint(who: str, p: Mapping[str, Any]) -> str:
    seq = p.get("seq")
    if isinstance(seq, int) and not isinstance(seq, bool):
        sentence = gettext("The ledger was signed up to event #%(seq)s") % {"seq": seq}
    else:
        sentence = gettext("The ledger was signed")
    reason = text(first(p, "reason"))
    if reason is None:
        return sentence
    return also(sentence, str(CHECKPOINT_REASONS.get(reason, reason)))


def _polling_place(who: str, p: Mapping[str, Any]) -> str:
    place = p.get("place")
    name = text(first(place, "name")) if isinstance(place, Mapping) else None
    values = {"who": who, "name": name}
    action = first(p, "action")
    if action == "added":
        sentence = (
            gettext("%(who)s added the polling place “%(name)s”")
            if name
            else gettext("%(who)s added a polling place")
        )
    elif action == "changed":
        sentence = (
            gettext("%(who)s changed the polling place “%(name)s”")
            if name
            else gettext("%(who)s changed a polling place")
        )
    elif action == "removed":
        sentence = (
            gettext("%(who)s removed the polling place “%(name)s”")
            if name
            else gettext("%(who)s removed a polling place")
        )
    else:
        sentence = gettext("%(who)s changed the round's polling places")
    return sentence % values


def _postcodes(who: str, p: Mapping[str, Any]) -> str:
    values = {
        "who": who,
        "added": number(count(p, "added") or 0),
        "removed": number(count(p, "removed") or 0),
        "total": number(count(p, "total") or 0),
    }
    return (
        gettext(
            "%(who)s updated the ward's list of postcodes (added: %(added)s, removed: "
            "%(removed)s, on the list now: %(total)s)"
        )
        % values
    )


def _simple(message: str) -> Sentence:
    """A sentence that needs only who acted; `message` is marked with gettext_noop."""

    def sentence(who: str, p: Mapping[str, Any]) -> str:
        return gettext(message) % {"who": who}

    return sentence


def _with_reason(message: str) -> Sentence:
    def sentence(who: str, p: Mapping[str, Any]) -> str:
        return with_reason(gettext(message) % {"who": who}, p)

    return sentence


SENTENCES: dict[str, Sentence] = {
    kinds.ROUND_CREATED: _round_created,
    kinds.ROUND_UPDATED: _round_updated,
    kinds.ROUND_PHASE_CHANGED: _phase,
    kinds.ROUND_SETTINGS_FROZEN: _simple(
        gettext_noop("%(who)s froze the ballot settings for voting")
    ),
    kinds.ROUND_TEST_COUNT_PASSED: _test_count(passed=True),
    kinds.ROUND_TEST_COUNT_FAILED: _test_count(passed=False),
    kinds.CODES_ISSUED: _codes,
    kinds.CODE_REVOKED: _simple(gettext_noop("%(who)s revoked a voting code")),
    kinds.BALLOTS_SEALED: _sealed,
    kinds.BALLOT_ASSISTED: _simple(
        gettext_noop("%(who)s helped a voter cast their ballot at a help desk")
    ),
    kinds.PAPER_BATCH_ENTERED: _batch_entered,
    kinds.PAPER_BATCH_ACCEPTED: _batch_accepted,
    kinds.PAPER_BATCH_REJECTED: _batch_rejected,
    kinds.ROUND_EARLY_CLOSE_REQUESTED: _with_reason(
        gettext_noop("%(who)s asked to close voting early (a second approval is needed)")
    ),
    kinds.ROUND_CLOSED: _closed,
    kinds.ROUND_CANCEL_REQUESTED: _with_reason(
        gettext_noop("%(who)s asked to cancel the round (a second approval is needed)")
    ),
    kinds.ROUND_CANCEL_WITHDRAWN: _simple(
        gettext_noop("%(who)s withdrew their request to cancel the round")
    ),
    kinds.ROUND_CANCELLED: _cancelled,
    kinds.RESULT_PUBLICATION_REQUESTED: _simple(
        gettext_noop("%(who)s asked for the result to be published (a second approval is needed)")
    ),
    kinds.RESULT_PUBLISHED: _published,
    kinds.CHECKPOINT_SIGNED: _checkpoint,
    kinds.WARD_POSTCODES_UPDATED: _postcodes,
    kinds.POLLING_PLACES_UPDATED: _polling_place,
    kinds.HELP_DESK_UPDATED: _simple(gettext_noop("%(who)s changed the round's help desk details")),
}
