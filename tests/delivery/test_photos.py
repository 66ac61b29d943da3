"""Photos on delivery updates: only real JPEG/PNG/WebP content, size- and pixel-limited,
re-encoded, resized and stripped of EXIF and location (delivery/photos.py)."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from delivery import photos
from tests.delivery.conftest import image_bytes, upload


def _with_gps() -> bytes:
    image = Image.new("RGB", (120, 80), (10, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Model X"  # Model
    exif[0x0132] = "2026:05:01 10:00:00"  # DateTime
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (52.0, 28.0, 30.0)
    gps[3] = "W"
    gps[4] = (1.0, 53.0, 10.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), comment=b"taken at 12 Acacia Avenue")
    return out.getvalue()


def test_exif_and_gps_are_stripped() -> None:
    original = _with_gps()
    with Image.open(io.BytesIO(original)) as before:
        assert before.getexif().get_ifd(0x8825)  # the test photo does carry a location
    clean = photos.clean_photo(upload(original))
    with Image.open(io.BytesIO(clean.content)) as after:
        assert after.format == "JPEG"
        assert not after.getexif()
        assert "exif" not in after.info and "comment" not in after.info
        assert "icc_profile" not in after.info
    assert b"Exif" not in clean.content and b"Acacia" not in clean.content
    assert b"PhoneMaker" not in clean.content


def test_orientation_is_applied_before_the_tag_goes() -> None:
    image = Image.new("RGB", (100, 40), (0, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    clean = photos.clean_photo(upload(out.getvalue()))
    assert (clean.width, clean.height) == (40, 100)


def test_a_big_photo_is_resized_and_named_by_its_hash() -> None:
    clean = photos.clean_photo(upload(image_bytes("PNG", (3200, 1000)), "big.png"))
    assert (clean.width, clean.height) == (1600, 500)
    assert clean.name == f"delivery/{clean.sha256[:2]}/{clean.sha256}.jpg"


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_jpeg_png_and_webp_are_taken(fmt: str) -> None:
    assert photos.clean_photo(upload(image_bytes(fmt), "x.bin")).width == 64


def test_a_transparent_png_is_flattened_on_white() -> None:
    clean = photos.clean_photo(upload(image_bytes("PNG", mode="RGBA"), "a.png"))
    with Image.open(io.BytesIO(clean.content)) as after:
        assert after.mode == "RGB"


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"%PDF-1.4 not a photo at all", "holiday.jpg"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "photo.png"),
        (b"MZ\x90\x00" + bytes(200), "photo.webp"),
    ],
)
def test_a_non_image_with_an_image_name_is_refused(data: bytes, name: str) -> None:
    with pytest.raises(ValidationError, match="JPEG, PNG or WebP"):
        photos.clean_photo(upload(data, name))


def test_an_image_of_another_type_is_refused() -> None:
    with pytest.raises(ValidationError, match="JPEG, PNG or WebP"):
        photos.clean_photo(upload(image_bytes("GIF"), "anim.gif"))


def test_a_truncated_image_is_refused() -> None:
    whole = image_bytes("PNG", (400, 300))
    with pytest.raises(ValidationError, match="could not be read whole"):
        photos.clean_photo(upload(whole[: len(whole) // 2], "cut.png"))
    jpeg = image_bytes("JPEG", (400, 300))
    for cut in (200, len(jpeg) // 2, len(jpeg) - 10):
        with pytest.raises(ValidationError, match="could not be read whole"):
            photos.clean_photo(upload(jpeg[:cut], "cut.jpg"))


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(ValidationError, match="empty"):
        photos.clean_photo(upload(b"", "empty.jpg"))


def test_a_file_over_ten_megabytes_is_refused_before_decoding() -> None:
    big = upload(b"\xff\xd8" + bytes(photos.MAX_BYTES), "huge.jpg")
    with pytest.raises(ValidationError, match="too big"):
        photos.clean_photo(big)


def _png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG that declares a huge image: the shape of a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("side", [7000, 20_000, 100_000])
def test_a_decompression_bomb_is_refused_without_decoding(side: int) -> None:
    data = _png_header_only(side, side)
    assert len(data) < 2000
    with pytest.raises(ValidationError, match="too many pixels"):
        photos.clean_photo(upload(data, "bomb.png"))
