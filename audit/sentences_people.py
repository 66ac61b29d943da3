"""Plain-words sentences for what people do with proposals: submitting, reviewing, merging,
pledging, moderating, delivering, and the ward's team. See audit/sentences_round.py for the
conventions; a proposal is named by its number and its title as recorded (words.proposal).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext, gettext_noop, ngettext
from django.utils.translation import gettext_lazy as _

from audit import kinds
from audit.sentences_round import Sentence
from audit.words import (
    Missing,
    also,
    count,
    first,
    money,
    need,
    number,
    proposal,
    role_name,
    text,
    with_reason,
)


def _about_proposal(message: str) -> Sentence:
    """A sentence naming who acted and the proposal; `message` is marked with gettext_noop."""

    def sentence(who: str, p: Mapping[str, Any]) -> str:
        return gettext(message) % {"who": who, "proposal": proposal(p)}

    return sentence


def _reviewed(who: str, p: Mapping[str, Any]) -> str:
    values = {"who": who, "proposal": proposal(p)}
    decision = first(p, "decision", "outcome", "status")
    if decision == "feasible":
        return gettext("%(who)s reviewed proposal %(proposal)s and found it feasible") % values
    if decision == "feasible_changed_cost":
        try:
            cost = money(p.get("cost_pence"))
        except Missing:  # no cost recorded: say so without the amount
            return (
                gettext(
                    "%(who)s reviewed proposal %(proposal)s and found it feasible at a changed cost"
                )
                % values
            )
        return gettext(
            "%(who)s reviewed proposal %(proposal)s and found it feasible at a changed cost "
            "of %(cost)s"
        ) % {**values, "cost": cost}
    if decision == "not_feasible":
        return gettext("%(who)s reviewed proposal %(proposal)s and found it not feasible") % values
    if decision == "merged":
        return (
            gettext("%(who)s reviewed proposal %(proposal)s and merged it with a duplicate")
            % values
        )
    if decision in ("accepted", "accept", "approved"):
        return (
            gettext("%(who)s reviewed proposal %(proposal)s and accepted it for the ballot")
            % values
        )
    if decision in ("rejected", "reject"):
        return gettext("%(who)s reviewed proposal %(proposal)s and rejected it") % values
    if decision in ("changes_requested", "needs_changes"):
        return gettext("%(who)s reviewed proposal %(proposal)s and asked for changes") % values
    if isinstance(decision, str):
        return gettext("%(who)s reviewed proposal %(proposal)s (decision: %(decision)s)") % {
            **values,
            "decision": decision.replace("_", " "),
        }
    return gettext("%(who)s reviewed proposal %(proposal)s") % values


def _merged(who: str, p: Mapping[str, Any]) -> str:
    into = need(first(p, "into", "merged_into", "target"))
    merged = first(p, "merged", "sources", "proposals")
    if isinstance(merged, list):
        return gettext("%(who)s merged proposals %(ids)s into #%(into)s") % {
            "who": who,
            "ids": ", ".join(f"#{m}" for m in merged),
            "into": into,
        }
    return gettext("%(who)s merged proposal %(proposal)s into #%(into)s") % {
        "who": who,
        "proposal": proposal(p),
        "into": into,
    }


def _hidden_comment(who: str, p: Mapping[str, Any]) -> str:
    values = {"who": who, "comment": need(first(p, "comment")), "proposal": first(p, "proposal")}
    if values["proposal"] is None:
        sentence = gettext("%(who)s hid comment #%(comment)s") % values
    else:
        sentence = gettext("%(who)s hid comment #%(comment)s on proposal #%(proposal)s") % values
    return with_reason(sentence, p)


def _hidden_proposal(who: str, p: Mapping[str, Any]) -> str:
    sentence = gettext("%(who)s hid the text of proposal %(proposal)s") % {
        "who": who,
        "proposal": proposal(p),
    }
    return with_reason(sentence, p)


def _dismissed(who: str, p: Mapping[str, Any]) -> str:
    n = count(p, "reports")
    comment = first(p, "comment")
    values = {"who": who, "count": number(n or 0)}
    if comment is not None:
        values["comment"] = comment
        if n is None:
            return gettext("%(who)s dismissed the reports about comment #%(comment)s") % values
        return (
            ngettext(
                "%(who)s dismissed %(count)s report about comment #%(comment)s and left it as "
                "it was",
                "%(who)s dismissed %(count)s reports about comment #%(comment)s and left it as "
                "it was",
                n,
            )
            % values
        )
    values["proposal"] = proposal(p)
    if n is None:
        return gettext("%(who)s dismissed the reports about proposal %(proposal)s") % values
    return (
        ngettext(
            "%(who)s dismissed %(count)s report about proposal %(proposal)s and left it as it was",
            "%(who)s dismissed %(count)s reports about proposal %(proposal)s and left it as it was",
            n,
        )
        % values
    )


def _shortlisted(who: str, p: Mapping[str, Any]) -> str:
    through = count(p, "shortlisted")
    if through is None:
        sentence = gettext("%(who)s made the shortlist from the residents' supports") % {"who": who}
    else:
        sentence = ngettext(
            "%(who)s made the shortlist from the residents' supports: %(count)s proposal "
            "went through",
            "%(who)s made the shortlist from the residents' supports: %(count)s proposals "
            "went through",
            through,
        ) % {"who": who, "count": number(through)}
    details = []
    missed = count(p, "missed_by")
    if missed is not None and through is not None:
        details.append(
            ngettext("%(count)s missed it", "%(count)s missed it", missed)
            % {"count": number(missed)}
        )
    bar = count(p, "bar")
    if bar is not None:
        details.append(
            ngettext("the bar was %(count)s support", "the bar was %(count)s supports", bar)
            % {"count": number(bar)}
        )
    return also(sentence, ", ".join(details)) if details else sentence


def _pledge(who: str, p: Mapping[str, Any]) -> str:
    values = {"who": who, "proposal": proposal(p)}
    hours = count(p, "hours")
    if hours and p.get("in_kind"):
        return ngettext(
            "%(who)s pledged %(count)s volunteer hour and help in kind to proposal %(proposal)s",
            "%(who)s pledged %(count)s volunteer hours and help in kind to proposal %(proposal)s",
            hours,
        ) % {**values, "count": number(hours)}
    if hours:
        return ngettext(
            "%(who)s pledged %(count)s volunteer hour to proposal %(proposal)s",
            "%(who)s pledged %(count)s volunteer hours to proposal %(proposal)s",
            hours,
        ) % {**values, "count": number(hours)}
    if p.get("in_kind"):
        return gettext("%(who)s pledged help in kind to proposal %(proposal)s") % values
    return gettext("%(who)s pledged help to proposal %(proposal)s") % values


STATUS_NAMES = {
    "not_started": _("not started"),
    "in_progress": _("in progress"),
    "delivered": _("delivered"),
    "cancelled": _("cancelled"),
}


def _delivery(who: str, p: Mapping[str, Any]) -> str:
    values = {"who": who, "proposal": proposal(p)}
    status = text(first(p, "status"))
    if status is None:
        sentence = gettext("%(who)s posted a delivery update on proposal %(proposal)s") % values
    else:
        sentence = gettext(
            "%(who)s posted a delivery update on proposal %(proposal)s: %(status)s"
        ) % {**values, "status": str(STATUS_NAMES.get(status, status.replace("_", " ")))}
    return also(sentence, gettext("with a photo")) if p.get("photo_sha256") else sentence


def _milestone(who: str, p: Mapping[str, Any]) -> str:
    title = text(first(p, "milestone"))
    values = {"who": who, "proposal": proposal(p), "milestone": title}
    reached = bool(p.get("reached_on"))
    if title and reached:
        message = gettext(
            "%(who)s recorded the milestone “%(milestone)s” as reached for proposal %(proposal)s"
        )
    elif title:
        message = gettext(
            "%(who)s recorded the milestone “%(milestone)s” for proposal %(proposal)s"
        )
    elif reached:
        message = gettext("%(who)s recorded a milestone as reached for proposal %(proposal)s")
    else:
        message = gettext("%(who)s recorded a milestone for proposal %(proposal)s")
    return message % values


def _unspent(who: str, p: Mapping[str, Any]) -> str:
    amount = first(p, "amount_pence")
    if not isinstance(amount, int) or isinstance(amount, bool):
        return gettext("%(who)s recorded what became of the money left unspent") % {"who": who}
    values = {"who": who, "amount": money(amount)}
    decision = p.get("decision")
    if decision == "carried_over":
        return (
            gettext(
                "%(who)s recorded that %(amount)s left unspent was carried over to next "
                "year's chest"
            )
            % values
        )
    if decision == "returned":
        return gettext("%(who)s recorded that %(amount)s left unspent was returned") % values
    return gettext("%(who)s recorded what became of %(amount)s left unspent") % values


def _role(granted: bool) -> Sentence:
    def sentence(who: str, p: Mapping[str, Any]) -> str:
        person = need(text(first(p, "person")))
        role = need(text(first(p, "role")))
        values = {"who": who, "person": f"{person[:4]}…", "role": role_name(role)}
        if granted:
            return gettext("%(who)s gave person %(person)s the ward role “%(role)s”") % values
        return gettext("%(who)s took the ward role “%(role)s” away from person %(person)s") % values

    return sentence


def _purged(who: str, p: Mapping[str, Any]) -> str:
    def n(key: str) -> str:
        return number(count(p, key) or 0)

    return gettext(
        "%(who)s deleted what identified the round's voters once its challenge period ended "
        "(voting code hashes: %(codes)s, register keys: %(keys)s, assisted-vote marks: "
        "%(assisted)s, paper ballots' code hashes: %(paper)s, records of who took part: "
        "%(records)s)"
    ) % {
        "who": who,
        "codes": n("voting_codes"),
        "keys": n("register_keys"),
        "assisted": n("assisted_flags"),
        "paper": n("paper_codes"),
        "records": n("participations"),
    }


def _accounts_purged(who: str, p: Mapping[str, Any]) -> str:
    deleted = count(p, "deleted") or 0
    return ngettext(
        "%(who)s deleted %(count)s account unused for %(days)s days, after warning by email "
        "(new warnings sent: %(notices)s)",
        "%(who)s deleted %(count)s accounts unused for %(days)s days, after warning each by "
        "email (new warnings sent: %(notices)s)",
        deleted,
    ) % {
        "who": who,
        "count": number(deleted),
        "days": number(count(p, "inactive_days") or 0),
        "notices": number(count(p, "notices_sent") or 0),
    }


SENTENCES: dict[str, Sentence] = {
    kinds.PROPOSAL_SUBMITTED: _about_proposal(
        gettext_noop("%(who)s submitted proposal %(proposal)s")
    ),
    kinds.PROPOSAL_EDITED: _about_proposal(gettext_noop("%(who)s edited proposal %(proposal)s")),
    kinds.PROPOSAL_WITHDRAWN: _about_proposal(
        gettext_noop("%(who)s withdrew proposal %(proposal)s")
    ),
    kinds.PROPOSAL_REVIEWED: _reviewed,
    kinds.PROPOSAL_MERGED: _merged,
    kinds.PLEDGE_MADE: _pledge,
    kinds.PLEDGE_WITHDRAWN: _about_proposal(
        gettext_noop("%(who)s withdrew a pledge of help to proposal %(proposal)s")
    ),
    kinds.DELIVERY_UPDATED: _delivery,
    kinds.DELIVERY_MILESTONE_SET: _milestone,
    kinds.DELIVERY_UNSPENT_RECORDED: _unspent,
    kinds.COMMENT_HIDDEN: _hidden_comment,
    kinds.PROPOSAL_HIDDEN: _hidden_proposal,
    kinds.REPORTS_DISMISSED: _dismissed,
    kinds.ROUND_SHORTLISTED: _shortlisted,
    kinds.ROLE_GRANTED: _role(granted=True),
    kinds.ROLE_REVOKED: _role(granted=False),
    kinds.PERSONAL_DATA_PURGED: _purged,
    kinds.ACCOUNTS_PURGED: _accounts_purged,
}
