"""Every user-facing string has a Simplified Chinese translation (the default language)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_string_is_translated_to_chinese():
    r = subprocess.run([sys.executable, str(ROOT / "scripts/i18n.py"), "--check"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
