"""Photos on delivery updates: checked, re-encoded and stored without what a camera adds.

An upload is refused unless its *content* is a JPEG, PNG or WebP image (the name and the
browser's content type are never trusted), it is at most MAX_BYTES long and at most MAX_PIXELS
pixels (a small file can declare a huge image: a "decompression bomb"), and it decodes whole (a
truncated file is refused, not half-stored). What is kept is a new JPEG drawn from the decoded
pixels: turned the way the camera's orientation tag said, at most MAX_SIDE pixels on its longer
side, and written without EXIF, GPS, XMP, ICC profile or comments, so no location, camera or
date travels with it. It is stored under MEDIA_ROOT named by the SHA-256 of its bytes, which is
what the ledger records.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 40-megapixel photo: more than any phone takes
MAX_SIDE = 1600
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
JPEG_QUALITY = 85

NOT_AN_IMAGE = _("Upload a photo as a JPEG, PNG or WebP image.")
TOO_BIG = format_lazy(
    _("The photo is too big: upload one of at most {most} MB."), most=MAX_BYTES // (1024 * 1024)
)
TOO_MANY_PIXELS = format_lazy(
    _("The photo has too many pixels: upload one of at most {most} megapixels."),
    most=MAX_PIXELS // 1_000_000,
)
BROKEN = _("The photo could not be read whole: it may be damaged or cut short. Try another.")


@dataclass(frozen=True)
class CleanPhoto:
    """A re-encoded photo, ready to store: its bytes, their SHA-256 and its size in pixels."""

    content: bytes
    sha256: str
    width: int
    height: int

    @property
    def name(self) -> str:
        return f"delivery/{self.sha256[:2]}/{self.sha256}.jpg"


def _read(upload: Any) -> bytes:
    size = getattr(upload, "size", None)
    if isinstance(size, int) and size > MAX_BYTES:
        raise ValidationError({"photo": TOO_BIG})
    data = upload.read(MAX_BYTES + 1)
    if not isinstance(data, bytes):
        raise ValidationError({"photo": NOT_AN_IMAGE})
    if len(data) > MAX_BYTES:
        raise ValidationError({"photo": TOO_BIG})
    if not data:
        raise ValidationError({"photo": _("The photo file is empty.")})
    return data


def _decode(data: bytes) -> Image.Image:
    """The decoded image, or ValidationError saying why not (never Pillow's own exception)."""
    with warnings.catch_warnings():
        # Pillow only warns between MAX_IMAGE_PIXELS and twice that; every warning is a refusal.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise ValidationError({"photo": NOT_AN_IMAGE})
                width, height = probe.size
                if width < 1 or height < 1 or width * height > MAX_PIXELS:
                    raise ValidationError({"photo": TOO_MANY_PIXELS})
                probe.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
        except ValidationError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ValidationError({"photo": TOO_MANY_PIXELS}) from None
        except UnidentifiedImageError:
            raise ValidationError({"photo": NOT_AN_IMAGE}) from None
        except (OSError, SyntaxError, ValueError, EOFError, MemoryError):
            raise ValidationError({"photo": BROKEN}) from None
    return image


def _upright(image: Image.Image) -> Image.Image:
    """The image turned as its EXIF orientation says (the tag itself is not kept)."""
    try:
        turned = ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError, KeyError, TypeError):
        return image  # an unreadable orientation tag: keep the pixels as they are
    return turned if turned is not None else image


def clean_photo(upload: Any) -> CleanPhoto:
    """Check an uploaded file and re-encode it as a plain JPEG (see the module's notes)."""
    image = _decode(_read(upload))
    image = _upright(image)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image.convert("RGBA"), mask=image.convert("RGBA").getchannel("A"))
        rgb = background
    else:
        rgb = image.convert("RGB")
    rgb.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    # A fresh image holds pixels only: nothing of the upload's metadata (EXIF, GPS, XMP, ICC,
    # comments) can ride along into the saved file.
    clean = Image.new("RGB", rgb.size)
    clean.paste(rgb)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    content = out.getvalue()
    return CleanPhoto(
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        width=clean.width,
        height=clean.height,
    )


def store(photo: CleanPhoto) -> str:
    """Save the photo under MEDIA_ROOT (once: the name is its hash); returns its storage name."""
    if not default_storage.exists(photo.name):
        saved = default_storage.save(photo.name, ContentFile(photo.content))
        return str(saved)
    return photo.name
