"""Refresh the message catalogues: extract strings from code and templates, merge them into each
locale's messages.po (keeping existing translations), and report what is untranslated.

    .venv/bin/python scripts/i18n.py          # update catalogues
    .venv/bin/python scripts/i18n.py --check  # exit 1 when a zh_CN message lacks a translation
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "src/crowdset/web/locales"
POT = LOCALES / "messages.pot"
BIN = Path(sys.executable).parent


def main() -> int:
    subprocess.run([str(BIN / "pybabel"), "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_", "--no-location",
                    "--omit-header", "-o", str(POT), str(ROOT / "src")], check=True, capture_output=True)
    with POT.open("rb") as fh:
        template = read_po(fh)
    missing = 0
    for locale in ("zh_CN", "en"):
        po = LOCALES / locale / "LC_MESSAGES" / "messages.po"
        po.parent.mkdir(parents=True, exist_ok=True)
        if po.exists():
            with po.open("rb") as fh:
                catalog = read_po(fh, locale=locale)
        else:
            from babel.messages.catalog import Catalog

            catalog = Catalog(locale=locale)
        catalog.update(template, no_fuzzy_matching=True)
        with po.open("wb") as fh:
            write_po(fh, catalog, omit_header=False, no_location=True, ignore_obsolete=True, width=0)
        if locale == "zh_CN":
            todo = [m.id for m in catalog if m.id and not m.string]
            missing = len(todo)
            for t in todo:
                print(f"untranslated (zh_CN): {t}")
    return 1 if "--check" in sys.argv and missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
