"""Ward postcode lists: the CSV reader, the import (recorded in the ledger) and the admin upload."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from audit.models import Event
from tests.conftest import login
from wards.models import Ward
from wards.postcodes import import_postcodes, load_sample_postcodes, read_postcodes

pytestmark = pytest.mark.django_db


def test_reader_takes_the_postcode_column_and_reports_bad_lines() -> None:
    postcodes, problems = read_postcodes("# note\nstreet,postcode\nA,b11 1aa\nB,B111AA\nC,nope\n")
    assert postcodes == ["B11 1AA"]
    assert problems == ["line 4: 'nope' is not a full UK postcode"]
    assert read_postcodes("B12 8AB\nb12 9zz\n") == (["B12 8AB", "B12 9ZZ"], [])


def test_import_adds_replaces_and_records_counts(sparkbrook: Ward) -> None:
    first = import_postcodes(sparkbrook, ["B11 1AA", "B11 1AB"])
    assert first.added == 2
    second = import_postcodes(sparkbrook, ["B11 1AB", "B11 1AD"], replace=True)
    assert (second.added, second.removed, second.unchanged) == (1, 1, 1)
    assert sorted(sparkbrook.postcodes.values_list("postcode", flat=True)) == ["B11 1AB", "B11 1AD"]
    event = Event.objects.filter(kind="ward.postcodes_updated").last()
    assert event is not None and event.payload == {"added": 1, "removed": 1, "total": 2}


def test_sample_list_loads_once(sparkbrook: Ward) -> None:
    assert load_sample_postcodes() > 0
    assert load_sample_postcodes() == 0


def test_staff_upload_postcodes_in_the_admin(
    client: Client, staff_dave: Any, sparkbrook: Ward
) -> None:
    staff_dave.is_superuser = True
    staff_dave.save()
    login(client, staff_dave)
    url = f"/admin/wards/ward/{sparkbrook.pk}/change/"
    assert client.get(url).status_code == 200
    form = {
        "name": "Sparkbrook", "slug": "sparkbrook", "official_code": "", "chest_pence": "10000000",
        "neighbourhoods-TOTAL_FORMS": "0", "neighbourhoods-INITIAL_FORMS": "0",
        "neighbourhoods-MIN_NUM_FORMS": "0", "neighbourhoods-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    bad = SimpleUploadedFile("pc.csv", b"postcode\nB11 1AA\nrubbish\n", content_type="text/csv")
    response = client.post(url, {**form, "postcodes_csv": bad})
    assert response.status_code == 200 and "Nothing was imported" in response.content.decode()
    good = SimpleUploadedFile("pc.csv", b"postcode\nB11 1AA\nb11 4xy\n", content_type="text/csv")
    response = client.post(url, {**form, "postcodes_csv": good})
    assert response.status_code == 302
    assert sparkbrook.postcodes.count() == 2
    assert client.get("/admin/wards/wardpostcode/").status_code == 200


def test_postcodes_can_be_placed_in_the_wards_neighbourhoods(sparkbrook: Ward) -> None:
    from django.core.exceptions import ValidationError

    from wards.models import Neighbourhood
    from wards.postcodes import read_postcode_areas

    heath = Neighbourhood.objects.create(ward=sparkbrook, name="Balsall Heath", slug="bh")
    areas, problems = read_postcode_areas(
        "postcode,neighbourhood\nB12 9AB,Balsall Heath\nB11 1AA,\n"
    )
    assert problems == [] and areas == {"B12 9AB": "Balsall Heath", "B11 1AA": ""}
    import_postcodes(sparkbrook, areas)
    placed = dict(sparkbrook.postcodes.values_list("postcode", "neighbourhood_id"))
    assert placed == {"B12 9AB": heath.pk, "B11 1AA": None}
    with pytest.raises(ValidationError, match="no neighbourhood called 'Moseley'"):
        import_postcodes(sparkbrook, {"B13 8AA": "Moseley"})
    assert not sparkbrook.postcodes.filter(postcode="B13 8AA").exists()
