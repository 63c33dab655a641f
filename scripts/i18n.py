"""Keep the message catalogues complete.

Strings are extracted from the code and templates; any that no zh_CN catalogue translates yet are
added (untranslated) to ``messages.po`` of each locale. Every ``*.po`` file in a locale folder is
loaded and merged at run time, so each UI area can keep its own catalogue.

    .venv/bin/python scripts/i18n.py          # extract and add missing strings
    .venv/bin/python scripts/i18n.py --check  # exit 1 when a string has no zh_CN translation

Error and validation messages are not extracted: their English templates are the code's catalogue
(``crowdset.messages.CATALOGUE``), and ``errors.po`` of each locale holds one entry per code
(``msgctxt`` = the code, ``msgid`` = the English template). This script writes those entries: new codes
are added (untranslated in zh_CN, the English itself in en), removed codes dropped, and a code whose
English changed loses its Chinese (shown as untranslated) until someone translates it again.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "src/crowdset/locales"
BIN = Path(sys.executable).parent


def _load(path: Path, locale: str) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def extract() -> Catalog:
    """Every translatable string in the code and templates (the template is not kept in the repo)."""
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        subprocess.run([str(BIN / "pybabel"), "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_", "--no-location",
                        "--omit-header", "-o", str(pot), str(ROOT / "src")], check=True, capture_output=True)
        with pot.open("rb") as fh:
            return read_po(fh)


ERRORS_HEADER = "Error and validation messages by code (crowdset.messages; written by scripts/i18n.py)."


def sync_errors(locale: str) -> list[str]:
    """Bring ``<locale>/LC_MESSAGES/errors.po`` in step with the catalogue; the codes it leaves untranslated."""
    from crowdset.messages import CATALOGUE

    path = LOCALES / locale / "LC_MESSAGES" / "errors.po"
    old = _load(path, locale) if path.exists() else Catalog(locale=locale)
    kept = {m.context: m for m in old if m.id and m.context}
    catalog = Catalog(locale=locale, header_comment=f"# {ERRORS_HEADER}", fuzzy=False)
    untranslated = []
    for code, english in CATALOGUE.items():
        before = kept.get(code)
        if locale == "en":
            string = english
        else:
            string = before.string if before is not None and before.id == english else ""
        if not string:
            untranslated.append(code)
        catalog.add(english, string, context=code, flags=("python-brace-format",) if "{" in english else ())
    if [(m.context, m.id, m.string) for m in old if m.id] != [(m.context, m.id, m.string) for m in catalog if m.id]:
        with path.open("wb") as fh:
            write_po(fh, catalog, no_location=True, width=0, omit_header=False)
    return untranslated


def main() -> int:
    sys.path.insert(0, str(ROOT / "src"))
    errors_missing = sync_errors("zh_CN")
    sync_errors("en")
    template = extract()
    missing: list[str] = []
    for locale in ("zh_CN", "en"):
        folder = LOCALES / locale / "LC_MESSAGES"
        folder.mkdir(parents=True, exist_ok=True)
        known: dict[str, str] = {}
        for po in sorted(folder.glob("*.po")):
            for m in _load(po, locale):  # errors.po's entries have a context (their code): not page strings
                if m.id and not m.context and (m.string or m.id not in known):
                    known[m.id] = m.string
        main_po = folder / "messages.po"
        catalog = _load(main_po, locale) if main_po.exists() else Catalog(locale=locale)
        added = False
        for m in template:
            if m.id and m.id not in known:
                catalog.add(m.id)
                added = True
        if added:
            with main_po.open("wb") as fh:
                write_po(fh, catalog, no_location=True, width=0)
        if locale == "zh_CN":
            missing = [m.id for m in template if m.id and not known.get(m.id)]
    for msg in missing:
        print(f"untranslated (zh_CN): {msg}")
    for code in errors_missing:
        print(f"untranslated error message (zh_CN errors.po): {code}")
    return 1 if "--check" in sys.argv and (missing or errors_missing) else 0


if __name__ == "__main__":
    raise SystemExit(main())
