"""Voting codes and receipts: generation, typo-catching check characters, and keyed hashing.

Codes use an alphabet without 0/O/1/I so they can be read off a letter, ignore case, spaces and
hyphens when typed, and end in a check character (a weighted sum in GF(32)) that catches a
mistyped character or two swapped neighbours before the server is asked. Codes are stored only
as HMAC-SHA256 under VOTING_CODE_KEY, a key kept outside the database.

Every round pins the id of the key it first hashed under (Round.code_key_id): its codes and its
register keys stay under that key when VOTING_CODE_KEY is rotated (the old key moves to
VOTING_CODE_OLD_KEYS), so a rotation never lets anyone vote twice.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext, ngettext

if TYPE_CHECKING:
    from budgets.models import Round

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 symbols: 5 bits each
CODE_DATA_CHARS = 17  # 85 bits of randomness
CODE_GROUP = 6
RECEIPT_CHARS = 16  # 80 bits
RECEIPT_GROUP = 4
_INDEX = {ch: i for i, ch in enumerate(ALPHABET)}


class CodeFormatError(ValueError):
    """The text cannot be a code (wrong length, a character outside the alphabet, bad check)."""


def _check_char(data: str) -> str:
    """A weighted sum in GF(32) (x^5 + x^2 + 1): position i weighs alpha^i, all distinct.

    Not Luhn mod 32, which misses swapping the alphabet's first and last symbols ("2Z" <-> "Z2").
    In GF(32) a substitution adds alpha^i * e != 0 and a swap of neighbours adds
    alpha^i * (a + b) * (1 + alpha) != 0, so every single substitution and adjacent swap is caught.
    """
    acc = 0
    for ch in data:
        acc ^= _INDEX[ch]
        acc <<= 1
        if acc & 0b100000:
            acc ^= 0b100101
    return ALPHABET[acc]


def _group(text: str, size: int) -> str:
    return "-".join(text[i : i + size] for i in range(0, len(text), size))


def new_code() -> str:
    data = "".join(secrets.choice(ALPHABET) for _ in range(CODE_DATA_CHARS))
    return _group(data + _check_char(data), CODE_GROUP)


def normalise_code(raw: str) -> str:
    """Accept any case, spaces and hyphens; return the canonical grouped code or raise."""
    compact = "".join(ch for ch in (raw or "").upper() if ch not in " -\t\n")
    if len(compact) != CODE_DATA_CHARS + 1:
        raise CodeFormatError(
            ngettext(
                "A voting code has %(length)s letters and numbers; you entered %(count)s.",
                "A voting code has %(length)s letters and numbers; you entered %(count)s.",
                len(compact),
            )
            % {"length": CODE_DATA_CHARS + 1, "count": len(compact)}
        )
    bad = sorted({ch for ch in compact if ch not in _INDEX})
    if bad:
        letters = ", ".join(bad)
        if set(bad) & set("01OI"):
            raise CodeFormatError(
                gettext("A voting code cannot contain %(letters)s (codes never use 0, 1, O or I).")
                % {"letters": letters}
            )
        raise CodeFormatError(
            gettext("A voting code cannot contain %(letters)s.") % {"letters": letters}
        )
    if _check_char(compact[:-1]) != compact[-1]:
        raise CodeFormatError(
            gettext("That code has a typing mistake in it. Please check it against your letter.")
        )
    return _group(compact, CODE_GROUP)


class UnknownCodeKey(ImproperlyConfigured):
    """A round pinned a voting-code key id the server no longer has."""


def pin_code_key(round: Round) -> str:
    """The key id the round hashes codes and register keys under: pinned to the current
    VOTING_CODE_KEY the first time it is needed (codes issued, a code checked, a ballot cast)."""
    if not round.code_key_id:
        from budgets.models import Round as RoundModel

        RoundModel.objects.filter(pk=round.pk, code_key_id="").update(
            code_key_id=settings.VOTING_CODE_KEY_ID
        )
        # Whoever pinned first won: use what is stored.
        round.code_key_id = RoundModel.objects.values_list("code_key_id", flat=True).get(
            pk=round.pk
        )
    return round.code_key_id


def _key(round: Round) -> bytes:
    key_id = pin_code_key(round)
    keys: dict[str, bytes] = settings.VOTING_CODE_KEYS
    try:
        return keys[key_id]
    except KeyError:
        raise UnknownCodeKey(
            f"Round {round.pk} hashes its voting codes under key id {key_id!r}, which is neither "
            f"VOTING_CODE_KEY nor in VOTING_CODE_OLD_KEYS (known ids: {', '.join(sorted(keys))}). "
            "Put that key back in VOTING_CODE_OLD_KEYS: without it, the round's codes cannot "
            "vote and its voters cannot be recognised."
        ) from None


def hash_code(round: Round, code: str) -> str:
    return hmac.new(_key(round), code.encode(), hashlib.sha256).hexdigest()


def batch_secret_hash(round: Round, secret: str) -> str:
    """What the database keeps of a desk batch's secret (`CodeBatch.secret_hash`): a keyed hash
    under its own label, so it is neither the secret nor the seed its codes come from."""
    message = f"code-batch:{round.pk}:id:{secret}".encode()
    return hmac.new(_key(round), message, hashlib.sha256).hexdigest()


def batch_codes(round: Round, secret: str, count: int) -> list[str]:
    """The `count` codes of the desk batch whose form carried `secret`, the same on every call.

    Derived from the secret *and* the round's voting-code key: the form page alone (the only
    place the secret is written) does not give the codes, nor do the database and the key
    without it. Each code takes 17 bytes of HMAC-SHA256 output, 5 bits of each (32 divides 256,
    so every symbol is equally likely): the 85 bits of `new_code`, and the same check character."""
    message = f"code-batch:{round.pk}:seed:{secret}".encode()
    seed = hmac.new(_key(round), message, hashlib.sha256).digest()
    issued = []
    for i in range(count):
        stream = hmac.new(seed, f"code:{i}".encode(), hashlib.sha256).digest()
        data = "".join(ALPHABET[byte & 0b11111] for byte in stream[:CODE_DATA_CHARS])
        issued.append(_group(data + _check_char(data), CODE_GROUP))
    return issued


def voter_key_for_code(round: Round, code: str) -> str:
    message = f"voter:{round.pk}:code:{code}".encode()
    return hmac.new(_key(round), message, hashlib.sha256).hexdigest()


def voter_key_for_user(round: Round, user_id: int) -> str:
    message = f"voter:{round.pk}:user:{user_id}".encode()
    return hmac.new(_key(round), message, hashlib.sha256).hexdigest()


def person_keys_for_user(user_id: int, budget_year: int) -> list[str]:
    """Mark one person's part in a budget year's votes across wards, without their id: the
    key under the current VOTING_CODE_KEY first, then under each retired key, so a rotation in
    the middle of a budget year does not let anyone vote in a second ward."""
    message = f"person:{budget_year}:user:{user_id}".encode()
    keys: dict[str, bytes] = settings.VOTING_CODE_KEYS
    order = [
        settings.VOTING_CODE_KEY_ID,
        *sorted(k for k in keys if k != settings.VOTING_CODE_KEY_ID),
    ]
    return [hmac.new(keys[k], message, hashlib.sha256).hexdigest() for k in order]


def new_receipt() -> str:
    return _group("".join(secrets.choice(ALPHABET) for _ in range(RECEIPT_CHARS)), RECEIPT_GROUP)


def normalise_receipt(raw: str) -> str:
    compact = "".join(ch for ch in (raw or "").upper() if ch not in " -\t\n")
    if len(compact) != RECEIPT_CHARS or any(ch not in _INDEX for ch in compact):
        raise CodeFormatError(
            gettext("A receipt has 16 letters and numbers, like 7KQ2-M9XD-4TPA-H3NE.")
        )
    return _group(compact, RECEIPT_GROUP)


def demo_code(rng: random.Random) -> str:
    """A well-formed code from a seeded generator: for demonstration data only, never real use."""
    data = "".join(rng.choice(ALPHABET) for _ in range(CODE_DATA_CHARS))
    return _group(data + _check_char(data), CODE_GROUP)
