"""Who may use each URL of the app: the access matrix's expected table.

Keyed by the URL pattern exactly as Django's resolver spells it (config/urls.py and the apps'
urls.py), so a new pattern without an entry fails tests/matrix/test_url_matrix.py. Each entry
says which fixture object fills the pattern's arguments and, per HTTP method, who may use it.
"Allowed" means the view must not refuse the caller (no 403, no redirect to sign in): a 400 for
an empty or invalid form is fine. Everyone else must be refused (403, 404, 405 or a redirect to
sign in) and, for a method that writes, change nothing in the database.

The classes come from wards/access.py (ALLOWED_ROLES) and budgets/access.py:
- EVERYONE: public pages, and forms anybody may send (sign-in, subscribe, voting by code).
- RESIDENT_A: Action.PROPOSE / VOTE / PLEDGE (a resident of the ward; support too).
- VOICE_A: Action.COMMENT (the ward's residents and councillors).
- AUTHOR: the proposal's proposer or the comment's author (Alice), checked by the services.
- TEAM_A: Action.ENTER_PAPER / UPDATE_DELIVERY (the ward's councillors and clerks, and staff).
- COUNCILLOR_A: Action.MANAGE_ROUND / REVIEW / MANAGE_WARD / MODERATE (and staff: STAFF_ACTIONS).
- NOBODY: the method is not served (405 for everyone).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from budgets.models import Phase

EVERYONE = frozenset(
    {
        "anonymous",
        "resident_alice",
        "resident_rhys",
        "councillor_bob",
        "clerk_cleo",
        "councillor_sam",
        "staff_dave",
    }
)
SIGNED_IN = EVERYONE - {"anonymous"}
RESIDENT_A = frozenset({"resident_alice"})
AUTHOR = frozenset({"resident_alice"})
VOICE_A = frozenset({"resident_alice", "councillor_sam"})
TEAM_A = frozenset({"clerk_cleo", "councillor_sam", "staff_dave"})
COUNCILLOR_A = frozenset({"councillor_sam", "staff_dave"})
NOBODY: frozenset[str] = frozenset()

WRITES = ("POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Entry:
    """Who may use a URL. get/post: the allowed personas; api: PUT/PATCH/DELETE are tried too
    (each NOBODY unless `more` says otherwise). round/proposal: which fixture fills the ids."""

    get: frozenset[str] = EVERYONE
    post: frozenset[str] = NOBODY
    round: str = Phase.PROPOSALS
    proposal: str = "proposal"
    more: dict[str, frozenset[str]] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)

    def allowed(self, method: str) -> frozenset[str]:
        if method == "GET":
            return self.get
        if method == "POST":
            return self.post
        return self.more.get(method, NOBODY)


PUBLIC = Entry()
PUBLIC_FORM = Entry(post=EVERYONE)
SAFE_ONLY_NOTHING = Entry(get=NOBODY)

# Django admin's own pages: Django's permission system guards them (staff + model permissions),
# not ours, and they are not part of the app's product surface.
EXCLUDED_PREFIXES = {
    "admin/": "Django admin internals (guarded by Django's is_staff and model permissions)",
}
# Static and media files: static() adds MEDIA_URL only with DEBUG on (the demo), and production's
# web server serves /static/ and /media/ from disk (README, "Photos"); no view of ours answers.
EXCLUDED_NOTE = "static/media: not served by the app with DEBUG off (deploy/nginx.conf serves them)"

PROPOSAL = {
    "title": "Benches",
    "summary": "Three benches.",
    "description": "Three benches by the brook.",
    "cost": "3000",
    "category": "Parks",
}
API_PROPOSAL = {
    "title": "Benches",
    "summary": "Three benches.",
    "description": "Three benches by the brook.",
    "cost_pence": 300_000,
    "category": "Parks",
}
# "<code>" and "<project>" are filled from the world: a voting code issued for the voting round
# and one of its projects.
BALLOT = {"code": "<code>", "projects": ["<project>"], "basis": "live", "age_confirmed": True}
BALLOT_FORM = {
    "code": "<code>",
    "projects": ["<project>"],
    "basis": "live",
    "age_confirmed": "1",
    "step": "review",
}
UPDATE = {"text": "The lamps are ordered.", "status": "in_progress"}
REVIEW = {"decision": "feasible", "reason": "Highways can do this."}
HIDE = {"decision": "hide", "reason": "Abuse."}
NEW_ROUND = {"ward": "sparkbrook", "title": "New", "budget_pence": 100_000}

PUBLISHED = Phase.PUBLISHED
VOTING = Phase.VOTING
CLOSED = Phase.CLOSED
DRAFT = Phase.DRAFT

TABLE: dict[str, Entry] = {
    # --- config -----------------------------------------------------------------------------
    "": PUBLIC,
    "find-your-ward/": PUBLIC,
    "accessibility/": PUBLIC,
    "privacy/": PUBLIC,
    "healthz": PUBLIC,
    "i18n/setlang/": Entry(post=EVERYONE, data={"language": "cy"}),
    "accounts/login/": PUBLIC_FORM,
    # Django 5's LogoutView takes POST only.
    "accounts/logout/": Entry(get=NOBODY, post=EVERYONE),
    "accounts/signup/": PUBLIC_FORM,
    "accounts/signup/sent/": PUBLIC,
    "accounts/signup/confirm/<str:token>/": PUBLIC_FORM,
    "accounts/password_reset/": PUBLIC_FORM,
    "accounts/password_reset/done/": PUBLIC,
    "accounts/reset/<uidb64>/<token>/": PUBLIC_FORM,
    "accounts/reset/done/": PUBLIC,
    # Our rate-limited front of the admin's sign-in form (the rest of admin/ is excluded).
    "admin/login/": PUBLIC_FORM,
    # --- wards ------------------------------------------------------------------------------
    "wards/subscriptions/confirm/<str:token>/": PUBLIC_FORM,
    "wards/subscriptions/unsubscribe/<str:token>/": PUBLIC_FORM,
    "wards/<slug:slug>/": PUBLIC,
    "wards/<slug:slug>/subscribe/": Entry(post=EVERYONE, data={"email": "new@example.org"}),
    "wards/<slug:slug>/subscribe/sent/": PUBLIC,
    # The team page is where clerks are added and removed: MANAGE_WARD (wards/services.team).
    "wards/<slug:slug>/team/": Entry(get=COUNCILLOR_A),
    "wards/<slug:slug>/team/add/": Entry(get=NOBODY, post=COUNCILLOR_A, data={"username": "rhys"}),
    "wards/<slug:slug>/team/<str:username>/remove/": Entry(get=COUNCILLOR_A, post=COUNCILLOR_A),
    "wards/<slug:slug>/postcodes/": Entry(
        get=COUNCILLOR_A, post=COUNCILLOR_A, data={"postcodes_csv": "<postcodes.csv>"}
    ),
    "wards/<slug:slug>/neighbourhoods/": Entry(
        get=NOBODY, post=COUNCILLOR_A, data={"name": "Sparkhill", "slug": "sparkhill"}
    ),
    # --- budgets pages ----------------------------------------------------------------------
    "help/": PUBLIC,
    "rounds/new/<slug:ward_slug>/": Entry(
        get=COUNCILLOR_A, post=COUNCILLOR_A, data={"title": "New", "budget_pounds": "1000"}
    ),
    "rounds/<int:round_id>/": PUBLIC,
    # A draft round: a 404 to all but its councillors.
    "rounds/<int:round_id>/edit/": Entry(
        get=COUNCILLOR_A, post=COUNCILLOR_A, round=DRAFT, data={"title": "Renamed"}
    ),
    "rounds/<int:round_id>/phase/": Entry(
        get=NOBODY, post=COUNCILLOR_A, round=DRAFT, data={"phase": Phase.PROPOSALS}
    ),
    "rounds/<int:round_id>/places/": Entry(
        get=COUNCILLOR_A, post=COUNCILLOR_A, data={"action": "add", "place-name": "Town hall"}
    ),
    "rounds/<int:round_id>/places/<int:place_id>/": Entry(
        get=COUNCILLOR_A, post=COUNCILLOR_A, data={"name": "Town hall"}
    ),
    "rounds/<int:round_id>/cancel/": Entry(
        get=COUNCILLOR_A,
        post=COUNCILLOR_A,
        data={"reason": "No money after all.", "confirm": "1"},
    ),
    "rounds/<int:round_id>/proposals/": PUBLIC,
    "rounds/<int:round_id>/proposals/new/": Entry(get=RESIDENT_A, post=RESIDENT_A, data=PROPOSAL),
    "proposals/<int:proposal_id>/": PUBLIC,
    "proposals/<int:proposal_id>/edit/": Entry(get=AUTHOR, post=AUTHOR, data=PROPOSAL),
    "proposals/<int:proposal_id>/withdraw/": Entry(
        get=AUTHOR, post=AUTHOR, data={"reason": "Done already."}
    ),
    "proposals/<int:proposal_id>/review/": Entry(
        get=COUNCILLOR_A, post=COUNCILLOR_A, proposal="in_review", data=REVIEW
    ),
    "proposals/<int:proposal_id>/pledge/": Entry(
        get=RESIDENT_A, post=RESIDENT_A, data={"hours": "3"}
    ),
    # Anyone signed in may withdraw their own pledge (one who has moved away too); with none to
    # withdraw, it changes nothing.
    "proposals/<int:proposal_id>/pledge/withdraw/": Entry(get=NOBODY, post=SIGNED_IN),
    "proposals/<int:proposal_id>/support/": Entry(
        get=NOBODY, post=RESIDENT_A, proposal="in_support"
    ),
    "proposals/<int:proposal_id>/unsupport/": Entry(
        get=NOBODY, post=RESIDENT_A, proposal="in_support"
    ),
    "proposals/<int:proposal_id>/comments/new/": Entry(
        get=VOICE_A, post=VOICE_A, data={"body": "Agreed."}
    ),
    "comments/<int:comment_id>/edit/": Entry(get=AUTHOR, post=AUTHOR, data={"body": "Edited."}),
    "comments/<int:comment_id>/delete/": Entry(get=AUTHOR, post=AUTHOR),
    # Reporting is open to everyone who can see the text (budgets/services/reports.py).
    "comments/<int:comment_id>/report/": Entry(post=EVERYONE, data={"reason": "spam"}),
    "proposals/<int:proposal_id>/report/": Entry(post=EVERYONE, data={"reason": "spam"}),
    "comments/<int:comment_id>/moderate/": Entry(get=COUNCILLOR_A, post=COUNCILLOR_A, data=HIDE),
    "proposals/<int:proposal_id>/moderate/": Entry(get=COUNCILLOR_A, post=COUNCILLOR_A, data=HIDE),
    "wards/<slug:ward_slug>/moderation/": Entry(get=COUNCILLOR_A),
    # --- ballots pages: voting is open to anyone with a code -------------------------------
    "rounds/<int:round_id>/vote/": Entry(post=EVERYONE, round=VOTING, data=BALLOT_FORM),
    "rounds/<int:round_id>/vote/total/": Entry(get=NOBODY, post=EVERYONE, round=VOTING),
    "rounds/<int:round_id>/vote/cast/<str:token>/": Entry(round=VOTING),
    "rounds/<int:round_id>/paper-ballot/": Entry(round=VOTING),
    "rounds/<int:round_id>/results/": Entry(round=PUBLISHED),
    "rounds/<int:round_id>/ballots.pb": Entry(round=PUBLISHED),
    "rounds/<int:round_id>/result.json": Entry(round=PUBLISHED),
    "rounds/<int:round_id>/result.csv": Entry(round=PUBLISHED),
    "rounds/<int:round_id>/voting-desk/": Entry(get=COUNCILLOR_A, round=VOTING),
    "rounds/<int:round_id>/help-desk/": Entry(get=TEAM_A, post=TEAM_A, round=VOTING),
    "rounds/<int:round_id>/help-desk/receipt/": Entry(get=TEAM_A, round=VOTING),
    "rounds/<int:round_id>/close/": Entry(
        get=COUNCILLOR_A, post=COUNCILLOR_A, round=VOTING, data={"confirm": "1"}
    ),
    "rounds/<int:round_id>/test-count/": Entry(get=NOBODY, post=COUNCILLOR_A, round=VOTING),
    "rounds/<int:round_id>/codes/": Entry(
        get=COUNCILLOR_A,
        post=COUNCILLOR_A,
        round=VOTING,
        data={"count": "2", "language": "en", "batch": "matrix-" + "b" * 40},
    ),
    "rounds/<int:round_id>/codes/revoke/": Entry(get=NOBODY, post=COUNCILLOR_A, round=VOTING),
    "rounds/<int:round_id>/publish/": Entry(get=NOBODY, post=COUNCILLOR_A, round=CLOSED),
    "rounds/<int:round_id>/paper/": Entry(get=TEAM_A, post=TEAM_A, round=VOTING),
    "rounds/<int:round_id>/paper/grid/": Entry(get=TEAM_A, post=TEAM_A, round=VOTING),
    "rounds/<int:round_id>/paper/<int:batch_id>/": Entry(get=TEAM_A, round=VOTING),
    "dashboard/": PUBLIC,
    "dashboard.csv": PUBLIC,
    "dashboard.xlsx": PUBLIC,
    "receipts/": PUBLIC,
    "receipts/<str:code>": PUBLIC,
    "receipts/<str:code>/": PUBLIC,
    # --- audit: the ledger is public by design ---------------------------------------------
    "audit/": PUBLIC,
    "audit/wards/<slug:slug>/": PUBLIC,
    "audit/rounds/<int:round_id>/": Entry(round=PUBLISHED),
    "audit/ledger.jsonl": PUBLIC,
    "audit/checkpoints.json": PUBLIC,
    "audit/key": PUBLIC,
    "audit/keys": PUBLIC,
    "rounds/<int:round_id>/ledger.jsonl": Entry(round=PUBLISHED),
    # --- delivery ---------------------------------------------------------------------------
    "rounds/<int:round_id>/delivery/": Entry(round=PUBLISHED),
    "rounds/<int:round_id>/delivery/unspent/": Entry(
        get=COUNCILLOR_A,
        post=COUNCILLOR_A,
        round=PUBLISHED,
        data={"decision": "returned", "amount": "1"},
    ),
    "rounds/<int:round_id>/delivery/<int:proposal_id>/": Entry(round=PUBLISHED, proposal="funded"),
    "rounds/<int:round_id>/delivery/<int:proposal_id>/update/": Entry(
        get=TEAM_A, post=TEAM_A, round=PUBLISHED, proposal="funded", data=UPDATE
    ),
    "rounds/<int:round_id>/delivery/<int:proposal_id>/milestones/": Entry(
        get=TEAM_A,
        post=TEAM_A,
        round=PUBLISHED,
        proposal="funded",
        data={"title": "Lamps ordered", "planned_on": "2027-01-10"},
    ),
    # --- the API ----------------------------------------------------------------------------
    "api/v1/schema/": PUBLIC,
    "api/v1/docs/": PUBLIC,
    "api/v1/": PUBLIC,
    "api/v1/<drf_format_suffix:format>": PUBLIC,
    "api/v1/^wards/$": PUBLIC,
    "api/v1/^wards\\.(?P<format>[a-z0-9]+)/?$": PUBLIC,
    "api/v1/^wards/(?P<slug>[^/.]+)/$": PUBLIC,
    "api/v1/^wards/(?P<slug>[^/.]+)\\.(?P<format>[a-z0-9]+)/?$": PUBLIC,
    "api/v1/rounds/": Entry(post=COUNCILLOR_A, data=NEW_ROUND),
    "api/v1/rounds/<int:round_id>/": Entry(
        round=DRAFT, get=COUNCILLOR_A, more={"PATCH": COUNCILLOR_A}, data={"title": "Renamed"}
    ),
    "api/v1/rounds/<int:round_id>/phase/": Entry(
        get=NOBODY, post=COUNCILLOR_A, round=DRAFT, data={"phase": Phase.PROPOSALS}
    ),
    "api/v1/rounds/<int:round_id>/cancel/": Entry(
        get=NOBODY, post=COUNCILLOR_A, data={"action": "cancel", "reason": "No money after all."}
    ),
    "api/v1/rounds/<int:round_id>/proposals/": Entry(post=RESIDENT_A, data=API_PROPOSAL),
    "api/v1/proposals/<int:proposal_id>/": PUBLIC,
    "api/v1/proposals/<int:proposal_id>/review/": Entry(
        get=NOBODY, post=COUNCILLOR_A, proposal="in_review", data=REVIEW
    ),
    "api/v1/proposals/<int:proposal_id>/support/": Entry(
        get=RESIDENT_A,
        post=RESIDENT_A,
        proposal="in_support",
        more={"DELETE": RESIDENT_A},
    ),
    "api/v1/proposals/<int:proposal_id>/comments/": Entry(post=VOICE_A, data={"body": "Agreed."}),
    "api/v1/rounds/<int:round_id>/ballots/": Entry(
        get=NOBODY, post=EVERYONE, round=VOTING, data=BALLOT
    ),
    "api/v1/rounds/<int:round_id>/close/": Entry(get=NOBODY, post=COUNCILLOR_A, round=VOTING),
    "api/v1/rounds/<int:round_id>/publish/": Entry(get=NOBODY, post=COUNCILLOR_A, round=CLOSED),
    "api/v1/rounds/<int:round_id>/result/": Entry(round=PUBLISHED),
    "api/v1/rounds/<int:round_id>/turnout/": Entry(round=VOTING),
    "api/v1/receipts/<str:code>/": PUBLIC,
    "api/v1/rounds/<int:round_id>/delivery/": Entry(round=PUBLISHED),
}
