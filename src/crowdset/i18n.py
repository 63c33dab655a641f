"""Message catalogues (Babel .po files) for Simplified Chinese (default) and English, shared by the
pages, the API's problem texts and the command line.

The .po sources (``messages.po`` and one file per UI area) are the only committed form: they are compiled
in memory on first use, so there is no build step and no binary .mo file to keep in step."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).parent / "locales"
SUPPORTED = {"zh_CN": "简体中文", "en": "English"}
DEFAULT = "zh_CN"
API_DEFAULT = "en"
"""The API's language when a request asks for none (pages default to Chinese): clients and scripts
written against the English texts keep working."""
LANG_COOKIE = "crowdset_lang"
"""The cookie the language switch of the pages sets (read by pages and by the API alike)."""


@cache
def translations(locale: str) -> NullTranslations:
    """Every ``*.po`` catalogue of the locale merged (``messages.po`` plus one per UI area, so
    people working on different pages never edit the same file)."""
    folder = LOCALES_DIR / locale / "LC_MESSAGES"
    merged: Translations | None = None
    for po in sorted(folder.glob("*.po")):
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
        buf = io.BytesIO()
        write_mo(buf, catalog)
        buf.seek(0)
        tr = Translations(buf)
        if merged is None:
            merged = tr
        else:
            merged.merge(tr)
    return merged or NullTranslations()


def pick_locale(query: str | None, cookie: str | None, user_locale: str | None, accept: str | None,
                default: str = DEFAULT) -> str:
    """Explicit choice (query, cookie, profile) wins; else the browser's first supported language."""
    for choice in (query, cookie, user_locale):
        if choice in SUPPORTED:
            return choice
    for part in (accept or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh_CN"
        if tag.startswith("en"):
            return "en"
    return default if default in SUPPORTED else DEFAULT
