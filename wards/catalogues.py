"""The translation catalogues (locale/<code>/LC_MESSAGES/django.po), with nothing but Python.

Django's makemessages and compilemessages need GNU gettext (xgettext, msgfmt), which a laptop or
a CI image often lacks; `make demo` and `make test` must need only Python. So this module does
the three jobs they do, for the subset of gettext this project uses:

- extract: every message marked in our Python code (calls to gettext, gettext_lazy, ngettext,
  pgettext... with literal strings, found with `ast`) and templates (`{% translate %}` and
  `{% blocktranslate %}`, turned into gettext calls by Django's own `templatize`, as makemessages
  does, then read with `tokenize`);
- update: add each missing message to a .po file with an empty translation (so a translator sees
  what is new), keeping what is there;
- compile: write the .mo file Django reads (the GNU format, as CPython's Tools/i18n/msgfmt.py).

`manage.py compile_catalogues` runs them (README, "Languages"); the compiled .mo files are
committed, and a test checks they are current and that every marked message is translated.
"""

from __future__ import annotations

import array
import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from django.conf import settings
from django.utils.translation.template import templatize

# The languages with a catalogue: every one of settings.LANGUAGES but the source language.
SOURCE_LANGUAGE = "en-gb"
_PY_DIRS = ("wards", "budgets", "ballots", "delivery", "audit", "config")
_TEMPLATE_SUFFIXES = (".html", ".txt")
_SINGULAR = {"gettext", "gettext_lazy", "_", "gettext_noop"}
_PLURAL = {"ngettext", "ngettext_lazy"}
_CONTEXT = {"pgettext", "pgettext_lazy"}
_CONTEXT_PLURAL = {"npgettext", "npgettext_lazy"}


@dataclass(frozen=True, order=True)
class MessageId:
    """What gettext looks a translation up by: context, singular and (for plurals) plural."""

    msgid: str
    context: str = ""
    plural: str = ""


@dataclass
class Entry:
    """One entry of a .po file."""

    key: MessageId
    translations: list[str] = field(default_factory=list)  # one, or one per plural form
    fuzzy: bool = False
    comments: list[str] = field(default_factory=list)

    @property
    def translated(self) -> bool:
        return not self.fuzzy and bool(self.translations) and all(self.translations)


@dataclass
class Catalogue:
    header: str
    entries: dict[MessageId, Entry]


def catalogue_languages() -> list[str]:
    return [code for code, _ in settings.LANGUAGES if code != SOURCE_LANGUAGE]


# A language code as Django names locale folders ("pl", "pt_BR", "sr-latn"): never a path.
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(?:[_-][A-Za-z0-9]{2,8})?")


def po_path(code: str) -> Path:
    """The catalogue of `code` under LOCALE_PATHS; ValueError if `code` is not a language code
    (it names a folder there, so "../x" would reach outside)."""
    if not LANGUAGE_CODE.fullmatch(code):
        raise ValueError(f"{code!r} is not a language code (such as pl, ur or pt_BR)")
    return Path(settings.LOCALE_PATHS[0]) / code / "LC_MESSAGES" / "django.po"


# Extraction -----------------------------------------------------------------------------------


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _from_call(name: str, args: list[str | None]) -> MessageId | None:
    if any(a is None for a in args):
        return None
    if name in _SINGULAR and args:
        return MessageId(args[0] or "")
    if name in _PLURAL and len(args) >= 2:
        return MessageId(args[0] or "", plural=args[1] or "")
    if name in _CONTEXT and len(args) >= 2:
        return MessageId(args[1] or "", context=args[0] or "")
    if name in _CONTEXT_PLURAL and len(args) >= 3:
        return MessageId(args[1] or "", context=args[0] or "", plural=args[2] or "")
    return None


def extract_python(source: str) -> Iterator[MessageId]:
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        wanted = {
            **dict.fromkeys(_SINGULAR, 1),
            **dict.fromkeys(_PLURAL, 2),
            **dict.fromkeys(_CONTEXT, 2),
            **dict.fromkeys(_CONTEXT_PLURAL, 3),
        }.get(name)
        if wanted is None or len(node.args) < wanted:
            continue
        found = _from_call(name, [_literal(a) for a in node.args[:wanted]])
        if found is not None and found.msgid:
            yield found


_STRING = r"""u?(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")"""
_TEMPLATE_CALL = re.compile(
    rf"\b(n?p?gettext)\(\s*({_STRING})(?:\s*,\s*({_STRING}))?(?:\s*,\s*({_STRING}))?"
)


def extract_template(source: str) -> Iterator[MessageId]:
    """Django's templatize turns the tags into gettext calls with literal strings (as
    makemessages does before xgettext): read those calls."""
    for match in _TEMPLATE_CALL.finditer(templatize(source)):
        name = match.group(1)
        args: list[str | None] = [ast.literal_eval(a) for a in match.groups()[1:] if a]
        found = _from_call(name, args)
        if found is not None and found.msgid:
            yield found


def source_files(base: Path | None = None) -> Iterator[Path]:
    base = base or Path(settings.BASE_DIR)
    for directory in _PY_DIRS:
        for path in sorted((base / directory).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path
    template_dirs = cast("list[str | Path]", settings.TEMPLATES[0]["DIRS"])
    for template_dir in template_dirs:
        for path in sorted(Path(template_dir).rglob("*")):
            if path.suffix in _TEMPLATE_SUFFIXES:
                yield path


def extract(paths: Iterable[Path] | None = None) -> dict[MessageId, list[str]]:
    """Every marked message, with the files that mark it."""
    found: dict[MessageId, list[str]] = {}
    base = Path(settings.BASE_DIR)
    for path in paths if paths is not None else source_files():
        text = path.read_text(encoding="utf-8")
        messages = extract_python(text) if path.suffix == ".py" else extract_template(text)
        where = str(path.relative_to(base)) if path.is_relative_to(base) else str(path)
        for message in messages:
            found.setdefault(message, [])
            if where not in found[message]:
                found[message].append(where)
    return found


# .po files ------------------------------------------------------------------------------------

_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}


def _unquote(text: str) -> str:
    text = text.strip()
    if not (text.startswith('"') and text.endswith('"')):
        raise ValueError(f"not a quoted string: {text}")
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text[1:-1])


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
    lines = escaped.split("\n")
    if len(lines) == 1:
        return f'"{escaped}"'
    parts = [line + "\\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    return '""\n' + "\n".join(f'"{part}"' for part in parts)


def read_po(text: str) -> Catalogue:
    entries: dict[MessageId, Entry] = {}
    header = ""
    for block in re.split(r"\n\s*\n", text.strip()):
        fields: dict[str, str] = {}
        comments: list[str] = []
        fuzzy = False
        current = ""
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            elif line.startswith("#"):
                comments.append(line)
            elif line.startswith('"'):
                fields[current] += _unquote(line)
            elif line:
                keyword, _, rest = line.partition(" ")
                current = keyword
                fields[current] = _unquote(rest)
        if "msgid" not in fields:
            continue
        key = MessageId(fields["msgid"], fields.get("msgctxt", ""), fields.get("msgid_plural", ""))
        if key.plural:
            forms = sorted(k for k in fields if k.startswith("msgstr["))
            translations = [fields[k] for k in forms]
        else:
            translations = [fields.get("msgstr", "")]
        if not key.msgid and not key.context:
            header = translations[0]
            continue
        entries[key] = Entry(key, translations, fuzzy, comments)
    return Catalogue(header, entries)


def plural_forms(header: str) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", header)
    return int(match.group(1)) if match else 2


def write_po(catalogue: Catalogue) -> str:
    out = ['msgid ""', "msgstr " + _quote(catalogue.header), ""]
    for key in sorted(catalogue.entries):
        entry = catalogue.entries[key]
        out.extend(entry.comments)
        if entry.fuzzy:
            out.append("#, fuzzy")
        if key.context:
            out.append("msgctxt " + _quote(key.context))
        out.append("msgid " + _quote(key.msgid))
        if key.plural:
            out.append("msgid_plural " + _quote(key.plural))
            for n, text in enumerate(entry.translations):
                out.append(f"msgstr[{n}] " + _quote(text))
        else:
            out.append("msgstr " + _quote(entry.translations[0] if entry.translations else ""))
        out.append("")
    return "\n".join(out)


def update(catalogue: Catalogue, marked: dict[MessageId, list[str]]) -> list[MessageId]:
    """Add every marked message the catalogue lacks, untranslated; refresh the 'where' comments.
    Answers what was added. Messages no longer marked stay (a translator's work is not lost)."""
    added = []
    forms = plural_forms(catalogue.header)
    for key, where in marked.items():
        comments = [f"#: {w}" for w in where]
        if key in catalogue.entries:
            entry = catalogue.entries[key]
            entry.comments = [c for c in entry.comments if not c.startswith("#:")] + comments
            continue
        catalogue.entries[key] = Entry(key, [""] * (forms if key.plural else 1), False, comments)
        added.append(key)
    return added


def missing(catalogue: Catalogue, marked: Iterable[MessageId]) -> list[MessageId]:
    """Marked messages the catalogue does not translate (absent, empty or fuzzy)."""
    return sorted(
        k for k in marked if k not in catalogue.entries or not catalogue.entries[k].translated
    )


# .mo files ------------------------------------------------------------------------------------


def compile_mo(catalogue: Catalogue) -> bytes:
    """The GNU .mo file for a catalogue: translated entries only, sorted, as msgfmt writes it."""
    pairs: dict[bytes, bytes] = {b"": catalogue.header.encode("utf-8")}
    for key, entry in catalogue.entries.items():
        if not entry.translated:
            continue
        msgid = key.msgid + ("\x00" + key.plural if key.plural else "")
        if key.context:
            msgid = key.context + "\x04" + msgid
        pairs[msgid.encode("utf-8")] = "\x00".join(entry.translations).encode("utf-8")
    keys = sorted(pairs)
    ids = strs = b""
    offsets = []
    for k in keys:
        offsets.append((len(ids), len(k), len(strs), len(pairs[k])))
        ids += k + b"\x00"
        strs += pairs[k] + b"\x00"
    key_start = 7 * 4 + 16 * len(keys)
    value_start = key_start + len(ids)
    koffsets: list[int] = []
    voffsets: list[int] = []
    for o1, l1, o2, l2 in offsets:
        koffsets += [l1, o1 + key_start]
        voffsets += [l2, o2 + value_start]
    header = array.array("I", [0x950412DE, 0, len(keys), 7 * 4, 7 * 4 + len(keys) * 8, 0, 0])
    body = array.array("I", koffsets + voffsets)
    if header.itemsize != 4:  # pragma: no cover - every platform Python runs on has 4-byte ints
        raise RuntimeError("array 'I' is not 32 bits here")
    return header.tobytes() + body.tobytes() + ids + strs
