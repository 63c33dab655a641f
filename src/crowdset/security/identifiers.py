"""Check characters of Chinese identifiers (pure functions, no I/O).

- Unified social credit code, GB 32100-2015: 18 characters from a 31-symbol alphabet (no I, O,
  Z, S, V); positions 3–8 are the administrative region code; the last is a mod-31 check.
- Resident identity number, GB 11643-1999: 17 digits + ISO 7064 MOD 11-2 check (0–9 or X).
- Bank card numbers: the Luhn checksum.
"""

from __future__ import annotations

from datetime import date

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_VALUE[c] * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_problem(code: str) -> str | None:
    """Why ``code`` is not a valid unified social credit code, or None when it is."""
    if len(code) != 18:
        return "must be 18 characters"
    bad = [c for c in code if c not in _USCC_VALUE]
    if bad:
        return f"character {bad[0]!r} is not allowed (I, O, Z, S, V and lower case are never used)"
    if not code[2:8].isdigit():
        return "characters 3–8 must be the 6-digit administrative region code"
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        return f"check character should be {expected!r}"
    return None


def is_valid_uscc(code: str) -> bool:
    return uscc_problem(code) is None


def resident_id_check_char(first17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def is_valid_resident_id(number: str) -> bool:
    """18-digit resident ID: plausible region, a real birth date, and the MOD 11-2 check."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    if number[0] not in "123456789" or number[:2] in {"10", "20", "30", "40", "50", "60", "70", "80", "90"}:
        return False
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if born.year < 1900 or born > date.today():
        return False
    return number[17].upper() == resident_id_check_char(number[:17])


def luhn_ok(digits: str) -> bool:
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0
