"""The city view: every ward's current round, its turnout and, once published, its money.

Public, so it shows only what the round pages already show anyone: drafts never; turnout in
people once voting has opened; what a round allocated and left unspent, and which projects it
funded, only once its result is published (before publication nothing about the result is
public). A ward's current round is its latest non-draft round (by creation) for the whole ward,
or, if it has none, for one of its neighbourhoods; a cancelled round only when the ward has no
other (it then shows as cancelled, its ballots not counted and its budget out of the totals).

A fixed number of queries whatever the number of wards: the wards, their current rounds
(one query with a subquery), their results, the voter counts and the funded projects' titles,
and the delivery counts the delivery app provides through ballots.hooks (one query).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Case, Count, OuterRef, Subquery, When
from openpyxl import Workbook

from ballots import hooks
from ballots.models import Result, Voter
from budgets.models import Phase, Proposal, Round
from wards.models import Ward
from wards.text import spreadsheet_safe

# The phases in which voting has opened: turnout is public from then on.
TURNOUT_PHASES = frozenset({Phase.VOTING, Phase.CLOSED, Phase.PUBLISHED})

# The export's columns: these names first, in this order (council officers' sheets rely on it).
COLUMNS = (
    "ward",
    "round",
    "phase",
    "budget_pence",
    "voters",
    "allocated_pence",
    "unspent_pence",
    "online_voters",
    "paper_voters",
    "voting_start",
    "voting_end",
    "funded_projects",
    "delivered_projects",
    "in_progress_projects",
)


@dataclass(frozen=True)
class WardRow:
    """One ward on the dashboard. Turnout is None before voting opens; money and funded
    projects are None before the result is published."""

    ward: Ward
    round: Round | None = None
    online: int | None = None
    paper: int | None = None
    allocated_pence: int | None = None
    funded: list[str] | None = None
    # Funded projects of all the ward's published rounds, by delivery status (None: no app
    # tracks delivery).
    delivered: int | None = None
    in_progress: int | None = None

    @property
    def voters(self) -> int | None:
        if self.online is None or self.paper is None:
            return None
        return self.online + self.paper

    @property
    def cancelled(self) -> bool:
        return self.round is not None and self.round.cancelled

    @property
    def unspent_pence(self) -> int | None:
        if self.round is None or self.allocated_pence is None:
            return None
        return self.round.budget_pence - self.allocated_pence


@dataclass(frozen=True)
class CityTotals:
    wards: int = 0
    with_round: int = 0
    budget_pence: int = 0
    online: int = 0
    paper: int = 0
    published: int = 0
    allocated_pence: int = 0
    unspent_pence: int = 0
    funded: int = 0
    delivered: int = 0
    in_progress: int = 0
    tracks_delivery: bool = False

    @property
    def voters(self) -> int:
        return self.online + self.paper


@dataclass(frozen=True)
class Dashboard:
    rows: list[WardRow] = field(default_factory=list)
    totals: CityTotals = field(default_factory=CityTotals)


def _wards_and_current_rounds() -> tuple[list[Ward], dict[int, Round]]:
    """Every ward (by name), and each ward's current round by ward id (see the module's notes)."""
    latest = (
        Round.objects.public()
        .filter(ward=OuterRef("pk"))
        .annotate(
            live=Case(When(phase=Phase.CANCELLED, then=0), default=1),
            ward_wide=Case(When(neighbourhood__isnull=True, then=1), default=0),
        )
        .order_by("-live", "-ward_wide", "-created_at", "-pk")
        .values("pk")[:1]
    )
    wards = list(Ward.objects.order_by("name"))
    current_ids = Ward.objects.annotate(current=Subquery(latest)).values("current")
    rounds = Round.objects.filter(pk__in=current_ids).select_related("neighbourhood")
    return wards, {r.ward_id: r for r in rounds}


def _live_turnout(round_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(online, paper) voters per round, from the register (as ballots.receipts.turnout)."""
    counts: dict[int, dict[str, int]] = {}
    rows = (
        Voter.objects.filter(round_id__in=round_ids)
        .values_list("round_id", "channel")
        .annotate(n=Count("id"))
        .order_by()
    )
    for round_id, channel, n in rows:
        counts.setdefault(round_id, {})[channel] = n
    return {rid: (c.get("online", 0), c.get("paper", 0)) for rid, c in counts.items()}


def _funded_titles(results: dict[int, Result]) -> dict[int, list[str]]:
    selected: dict[int, list[str]] = {
        rid: [str(pid) for pid in r.result_json.get("selected", [])] for rid, r in results.items()
    }
    titles: dict[tuple[int, str], str] = {
        (rid, str(pk)): title
        for rid, pk, title in Proposal.objects.filter(round_id__in=list(selected)).values_list(
            "round_id", "pk", "title"
        )
    }
    return {
        rid: sorted(titles.get((rid, pid), pid) for pid in pids) for rid, pids in selected.items()
    }


def city_dashboard() -> Dashboard:
    """Every ward with its current round and what the public may know of it, and city totals."""
    wards, current = _wards_and_current_rounds()
    open_ids = [r.pk for r in current.values() if r.phase == Phase.VOTING]
    live = _live_turnout(open_ids)
    finished_ids = [r.pk for r in current.values() if r.phase in (Phase.CLOSED, Phase.PUBLISHED)]
    results = {r.round_id: r for r in Result.objects.filter(round_id__in=finished_ids)}
    phase_of = {r.pk: r.phase for r in current.values()}
    published = {rid: r for rid, r in results.items() if phase_of[rid] == Phase.PUBLISHED}
    funded = _funded_titles(published)
    # The delivery app's counts, through ballots.hooks (ballots never imports it).
    delivery = hooks.delivery_counts()

    rows: list[WardRow] = []
    for ward in wards:
        delivered, in_progress = (None, None) if delivery is None else delivery.get(ward.pk, (0, 0))
        round = current.get(ward.pk)
        if round is None:
            rows.append(WardRow(ward=ward, delivered=delivered, in_progress=in_progress))
            continue
        online = paper = None
        if round.phase == Phase.VOTING:
            online, paper = live.get(round.pk, (0, 0))
        elif round.pk in results:
            online, paper = results[round.pk].online_turnout, results[round.pk].paper_turnout
        elif round.phase in TURNOUT_PHASES:
            online, paper = 0, 0
        allocated = None
        if round.pk in published:
            allocated = int(published[round.pk].result_json.get("spent", 0))
        rows.append(
            WardRow(
                ward=ward,
                round=round,
                online=online,
                paper=paper,
                allocated_pence=allocated,
                funded=funded.get(round.pk),
                delivered=delivered,
                in_progress=in_progress,
            )
        )
    return Dashboard(rows=rows, totals=_totals(rows, tracks_delivery=delivery is not None))


def _totals(rows: list[WardRow], *, tracks_delivery: bool = False) -> CityTotals:
    with_round = [r for r in rows if r.round is not None]
    published = [r for r in with_round if r.allocated_pence is not None]
    return CityTotals(
        wards=len(rows),
        with_round=len(with_round),
        # A cancelled round spends nothing: its budget went back to the ward's chest.
        budget_pence=sum(
            r.round.budget_pence for r in with_round if r.round is not None and not r.cancelled
        ),
        online=sum(r.online or 0 for r in rows),
        paper=sum(r.paper or 0 for r in rows),
        published=len(published),
        allocated_pence=sum(r.allocated_pence or 0 for r in published),
        unspent_pence=sum(r.unspent_pence or 0 for r in published),
        funded=sum(len(r.funded or []) for r in published),
        delivered=sum(r.delivered or 0 for r in rows),
        in_progress=sum(r.in_progress or 0 for r in rows),
        tracks_delivery=tracks_delivery,
    )


# --- Exports -------------------------------------------------------------------------------------


def _when(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def export_rows(dashboard: Dashboard) -> list[list[object]]:
    """One row per ward, in COLUMNS order; an unknown or not-yet-public figure is empty."""
    out: list[list[object]] = []
    for row in dashboard.rows:
        round = row.round
        out.append(
            [
                row.ward.name,
                round.title if round else "",
                round.phase if round else "",
                round.budget_pence if round else "",
                _blank(row.voters),
                _blank(row.allocated_pence),
                _blank(row.unspent_pence),
                _blank(row.online),
                _blank(row.paper),
                _when(round.voting_start) if round else "",
                _when(round.voting_end) if round else "",
                "; ".join(row.funded or []),
                _blank(row.delivered),
                _blank(row.in_progress),
            ]
        )
    return out


def _blank(value: int | None) -> object:
    return "" if value is None else value


def dashboard_csv(dashboard: Dashboard) -> str:
    """The export as CSV; every text cell neutralised against spreadsheet formulas."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for row in export_rows(dashboard):
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    return buffer.getvalue()


def dashboard_xlsx(dashboard: Dashboard) -> bytes:
    """The export as an Excel workbook: numbers as numbers, text always as a string cell
    (never a formula, whatever it starts with)."""
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Wards"
    sheet.append(list(COLUMNS))
    sheet.freeze_panes = "A2"
    for r, row in enumerate(export_rows(dashboard), start=2):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=c)
            if isinstance(value, int):
                cell.value = value
            else:
                # Assigning a str starting with "=" would make openpyxl store a formula; set the
                # value and then force the string type.
                cell.value = str(value)
                cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
