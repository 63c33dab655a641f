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


# Passports carry no check digit in the number itself (the MRZ does), so validity is structural:
# the series letter, no I/O in a letter series, and not a filler like E00000000.
_PASSPORT_SERIES = {"E": "ordinary (electronic)", "G": "ordinary (older series)", "D": "diplomatic",
                    "S": "service", "P": "public affairs"}


def passport_problem(number: str) -> str | None:
    """Why ``number`` is not a plausible PRC passport number, or None when it is.

    Accepted: E + 8 digits, E + letter (not I/O) + 7 digits, G/D/S + 8 digits, P + 7 or 8 digits.
    """
    if not number or number[0] not in _PASSPORT_SERIES:
        return "series letter must be E, G, D, S or P"
    rest = number[1:]
    if number[0] == "E" and len(rest) == 8 and rest[0].isalpha():
        if rest[0] in "IO" or not rest[0].isupper() or not rest[1:].isdigit():
            return "E-series with a second letter needs a letter other than I/O followed by 7 digits"
        digits = rest[1:]
    else:
        allowed = (7, 8) if number[0] == "P" else (8,)
        if len(rest) not in allowed or not rest.isdigit():
            return f"{number[0]}-series needs {' or '.join(map(str, allowed))} digits"
        digits = rest
    if len(set(digits)) == 1:
        return "all digits identical (placeholder)"
    return None


def is_valid_passport(number: str) -> bool:
    return passport_problem(number) is None


PLATE_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE_ALNUM = set("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789")
_PLATE_SUFFIX = set("挂学警港澳领试超")


def plate_problem(plate: str) -> str | None:
    """Why ``plate`` is not a valid mainland plate (GA 36), or None when it is.

    Ordinary: province + issuing letter + 5 characters (no I/O, at most 2 letters, or 4 + a suffix
    such as 挂/学/警). New-energy (8 characters): small cars D/F + 5 more with 4 trailing digits,
    large vehicles 5 digits + D/F.
    """
    if len(plate) not in (7, 8):
        return "must be 7 characters (ordinary) or 8 (new-energy)"
    if plate[0] not in PLATE_PROVINCES:
        return "first character must be a province abbreviation"
    if not ("A" <= plate[1] <= "Z") or plate[1] in "IO":
        return "second character must be an issuing-authority letter (not I/O)"
    tail = plate[2:]
    if len(tail) == 5:
        if tail[-1] in _PLATE_SUFFIX:
            body = tail[:-1]
        else:
            body = tail
        if any(c not in _PLATE_ALNUM for c in body):
            return "serial must use digits and letters other than I/O"
        if sum(c.isalpha() for c in body) > 2:
            return "serial has more than 2 letters"
        return None
    # New-energy, 6-character serial.
    if tail[0] in "DF" and all(c in _PLATE_ALNUM for c in tail[1:2]) and tail[2:].isdigit():
        return None
    if tail[:5].isdigit() and tail[5] in "DF":
        return None
    return "new-energy serial must be D/F + 1 character + 4 digits, or 5 digits + D/F"


def is_valid_plate(plate: str) -> bool:
    return plate_problem(plate) is None
