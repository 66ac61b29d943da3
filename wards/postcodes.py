"""Ward postcode lists: reading the CSV staff upload, and the demo's sample list.

A postcode list decides who may vote by postcode, so an upload records a ledger event with the
counts (postcodes are places, not people). Lines that are not postcodes are reported back by
line number rather than silently dropped.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext, ngettext

from audit import kinds
from wards.access import ledger_actor
from wards.models import Neighbourhood, Role, Ward, WardPostcode, normalise_postcode

SAMPLE_CSV = Path(__file__).resolve().parent / "data" / "sample_postcodes.csv"
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


@dataclass
class PostcodeImport:
    added: int = 0
    removed: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)


def read_postcodes(text: str) -> tuple[list[str], list[str]]:
    """Postcodes from CSV text: the column headed 'postcode', or else the first column.

    Returns (normalised postcodes without duplicates, problems as 'line N: ...').
    """
    areas, problems = read_postcode_areas(text)
    return list(areas), problems


def read_postcode_areas(text: str) -> tuple[dict[str, str], list[str]]:
    """Like read_postcodes, with each postcode's neighbourhood from an optional column headed
    'neighbourhood' (its name; empty when the postcode is in no neighbourhood)."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    rows = list(csv.reader(lines))
    column = 0
    area_column: int | None = None
    start = 0
    if rows:
        header = [cell.strip().lower() for cell in rows[0]]
        if "postcode" in header:
            column, start = header.index("postcode"), 1
            if "neighbourhood" in header:
                area_column = header.index("neighbourhood")
    found: dict[str, str] = {}
    problems: list[str] = []
    for number, row in enumerate(rows[start:], start=start + 1):
        if not row or not any(cell.strip() for cell in row):
            continue
        raw = row[column] if column < len(row) else ""
        area = (
            row[area_column].strip() if area_column is not None and area_column < len(row) else ""
        )
        try:
            found[normalise_postcode(raw)] = area
        except ValueError:
            problems.append(
                gettext("line %(number)s: %(text)s is not a full UK postcode")
                % {"number": number, "text": repr(raw.strip()[:20])}
            )
    return found, problems


def read_postcode_upload(upload: Any) -> dict[str, str]:
    """The postcodes (and neighbourhood names) of an uploaded CSV file, or a ValidationError
    saying what is wrong: too large, not UTF-8 text, no postcodes, or the lines that are not
    postcodes (nothing is imported then). The admin and the ward's postcodes page share it."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(gettext("The file is larger than 5 MB."))
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(gettext("Save the file as CSV (UTF-8) and try again.")) from None
    postcodes, problems = read_postcode_areas(text)
    if problems:
        lines = "; ".join(problems[:10])
        if len(problems) > 10:
            more = len(problems) - 10
            lines = ngettext(
                "%(lines)s (and %(more)s more)", "%(lines)s (and %(more)s more)", more
            ) % {"lines": lines, "more": more}
        raise ValidationError(
            gettext("Nothing was imported. Fix these lines: %(lines)s") % {"lines": lines}
        )
    if not postcodes:
        raise ValidationError(gettext("The file has no postcodes."))
    return postcodes


@transaction.atomic
def import_postcodes(
    ward: Ward,
    postcodes: Iterable[str] | Mapping[str, str],
    *,
    replace: bool = False,
    by: Any = None,
) -> PostcodeImport:
    """Add postcodes to the ward's list (or replace the list) and record it in the ledger.

    Given a mapping of postcode -> neighbourhood name, each postcode is also placed in that
    neighbourhood of the ward (a neighbourhood's round takes only its own postcodes); a name the
    ward does not have is refused before anything is written.
    """
    import audit

    areas = dict(postcodes) if isinstance(postcodes, Mapping) else dict.fromkeys(postcodes, "")
    by_name = {n.name.casefold(): n for n in Neighbourhood.objects.filter(ward=ward)}
    unknown = sorted({a for a in areas.values() if a and a.casefold() not in by_name})
    if unknown:
        raise ValidationError(
            gettext(
                "%(ward)s has no neighbourhood called %(names)s. Add it to the ward first, "
                "or correct the file."
            )
            % {"ward": ward.name, "names": ", ".join(map(repr, unknown))}
        )
    wanted = set(areas)
    existing = dict(ward.postcodes.values_list("postcode", "neighbourhood_id"))
    result = PostcodeImport()
    new = sorted(wanted - set(existing))

    def area_id(postcode: str) -> int | None:
        name = areas[postcode]
        return by_name[name.casefold()].pk if name else None

    WardPostcode.objects.bulk_create(
        [WardPostcode(ward=ward, postcode=pc, neighbourhood_id=area_id(pc)) for pc in new]
    )
    for pc in sorted(wanted & set(existing)):
        if existing[pc] != area_id(pc):
            ward.postcodes.filter(postcode=pc).update(neighbourhood_id=area_id(pc))
    result.added = len(new)
    result.unchanged = len(wanted & set(existing))
    if replace:
        gone = set(existing) - wanted
        result.removed = ward.postcodes.filter(postcode__in=gone).delete()[0]
    if result.added or result.removed:
        audit.record(
            kinds.WARD_POSTCODES_UPDATED,
            ward=ward,
            # A councillor of the ward as "councillor", staff without that role as "staff".
            actor=ledger_actor(by, ward, Role.COUNCILLOR) if by is not None else audit.SYSTEM,
            payload={
                "added": result.added,
                "removed": result.removed,
                "total": ward.postcodes.count(),
            },
        )
    return result


def load_sample_postcodes(path: Path = SAMPLE_CSV) -> int:
    """The demo's sample list (columns ward, postcode); returns how many were new."""
    rows = list(csv.DictReader(io.StringIO(_without_comments(path.read_text("utf-8")))))
    by_ward: dict[str, list[str]] = {}
    for row in rows:
        by_ward.setdefault(row["ward"].strip(), []).append(normalise_postcode(row["postcode"]))
    added = 0
    for ward in Ward.objects.filter(slug__in=by_ward):
        added += import_postcodes(ward, by_ward[ward.slug]).added
    return added


def _without_comments(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
