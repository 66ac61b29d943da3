"""Update and compile the translation catalogues with nothing but Python (wards/catalogues.py).

manage.py compile_catalogues            # add new marked messages to each .po, write the .mo files
manage.py compile_catalogues --check    # change nothing; fail if a .po or .mo is out of date
manage.py compile_catalogues --language cy   # start (or update) one language's catalogue
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wards import catalogues

NEW_HEADER = (
    "Project-Id-Version: community-chest\n"
    "Language: {code}\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=UTF-8\n"
    "Content-Transfer-Encoding: 8bit\n"
    "Plural-Forms: nplurals=2; plural=(n != 1);\n"
)


class Command(BaseCommand):
    help = "Add newly marked messages to locale/*/django.po and compile the .mo files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="Change nothing; fail if stale.")
        parser.add_argument(
            "--language",
            help="Only this language code, such as pl or pt_BR (created if new); anything else "
            "is refused with exit status 1.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        language = options["language"]
        if language is not None:
            try:
                catalogues.po_path(language)
            except ValueError as exc:
                raise CommandError(f"--language: {exc}") from None
        marked = catalogues.extract()
        codes = [language] if language is not None else catalogues.catalogue_languages()
        problems = []
        for code in codes:
            po = catalogues.po_path(code)
            if po.exists():
                text = po.read_text(encoding="utf-8")
            elif options["check"]:
                problems.append(f"{code}: no catalogue at {po}")
                continue
            else:
                po.parent.mkdir(parents=True, exist_ok=True)
                text = 'msgid ""\nmsgstr ' + catalogues._quote(NEW_HEADER.format(code=code))
            catalogue = catalogues.read_po(text)
            added = catalogues.update(catalogue, marked)
            new_text = catalogues.write_po(catalogue)
            mo = po.with_suffix(".mo")
            compiled = catalogues.compile_mo(catalogue)
            untranslated = catalogues.missing(catalogue, marked)
            if options["check"]:
                if new_text != text:
                    problems.append(f"{code}: django.po is missing messages or is not up to date")
                if not mo.exists() or mo.read_bytes() != compiled:
                    problems.append(f"{code}: django.mo is not compiled from django.po")
                problems.extend(f"{code}: not translated: {k.msgid!r}" for k in untranslated)
                continue
            po.write_text(new_text, encoding="utf-8")
            mo.write_bytes(compiled)
            self.stdout.write(
                f"{code}: {len(catalogue.entries)} messages, {len(added)} new, "
                f"{len(untranslated)} to translate"
            )
        if problems:
            raise CommandError(
                "The catalogues are not current (run manage.py compile_catalogues and translate "
                "the new messages):\n" + "\n".join(problems)
            )
