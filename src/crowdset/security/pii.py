"""Personal-information detectors, format-keeping masking and sensitive-field flagging.

Every detector is a compiled regex that finds *candidates* followed by a validity check (check digits,
real dates, the ipaddress parser, plate/passport structure), because a bare regex flags order numbers,
timestamps and version strings by the thousand. Digit classes are ``[0-9]``, not ``\\d``, so full-width
digits in Chinese text are not mistaken for ASCII ones; look-arounds stop a match inside a longer run.
"""

from __future__ import annotations

import bisect
import ipaddress
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from crowdset.security.identifiers import (
    PLATE_PROVINCES,
    is_valid_passport,
    is_valid_plate,
    is_valid_resident_id,
    is_valid_uscc,
    luhn_ok,
)

__all__ = [
    "KINDS",
    "PII_CANDIDATE",
    "PiiHit",
    "SENSITIVE_CATEGORIES",
    "detect",
    "hit_categories",
    "mask",
    "mask_value",
    "sensitive_categories",
    "sensitive_category",
]


@dataclass(frozen=True, slots=True)
class PiiHit:
    kind: str
    start: int
    end: int
    value: str


# Province-level prefixes of the administrative division code (GB/T 2260), plus 83 (Taiwan
# residents' residence permits). Anything else in the first two digits is not a resident ID.
_PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "
    "61 62 63 64 65 71 81 82 83".split()
)

_RESIDENT_RE = re.compile(
    r"(?<![0-9])[1-8][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]"
    r"(?![0-9A-Za-z])"
)
_MOBILE_RE = re.compile(r"(?<![0-9+])(?:(?:\+86|0086)[ -]?)?1[3-9][0-9](?:[ -]?[0-9]{4}){2}(?![0-9])")
_BANK_RE = re.compile(r"(?<![0-9])[3-69](?:[0-9][ -]?){13,17}[0-9](?![0-9])")
_USCC_RE = re.compile(r"(?<![0-9A-Z])[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Z])")
_EMAIL_RE = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,24}(?![A-Za-z])")
_IPV4_RE = re.compile(r"(?<![0-9.])(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?!\.?[0-9])")
_IPV6_RE = re.compile(
    r"(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:[0-9]{1,3}\.){3}[0-9]{1,3})?"
    r"(?![0-9A-Fa-f:])"
)
_PASSPORT_RE = re.compile(r"(?<![A-Za-z0-9])(?:E[A-HJ-NP-Z]?[0-9]{7,8}|[GDSP][0-9]{7,8})(?![A-Za-z0-9])")
_PLATE_RE = re.compile(
    rf"[{PLATE_PROVINCES}][A-HJ-NP-Z](?:[A-HJ-NP-Z0-9]{{6}}|[A-HJ-NP-Z0-9]{{4}}[A-HJ-NP-Z0-9挂学警港澳领试超])"
    r"(?![A-Za-z0-9])"
)


def _digits(s: str) -> str:
    return "".join(c for c in s if c.isdigit())


def _ok_resident(v: str) -> bool:
    return v[:2] in _PROVINCES and is_valid_resident_id(v.upper())


def _ok_mobile(v: str) -> bool:
    d = _digits(v)
    if d.startswith("0086"):
        d = d[4:]
    elif v.startswith("+86"):
        d = d[2:]
    return len(d) == 11 and d[0] == "1" and d[1] in "3456789"


def _ok_bank(v: str) -> bool:
    d = _digits(v)
    return 15 <= len(d) <= 19 and len(set(d)) > 2 and luhn_ok(d)


def _ok_email(v: str) -> bool:
    local, _, domain = v.rpartition("@")
    if local.startswith(".") or local.endswith(".") or ".." in local or ".." in domain:
        return False
    return all(lbl and not lbl.startswith("-") and not lbl.endswith("-") for lbl in domain.split("."))


def _ok_ipv4(v: str) -> bool:
    try:
        ipaddress.IPv4Address(v)
    except ValueError:
        return False
    return True


def _ok_ipv6(v: str) -> bool:
    groups = [g for g in v.split(":") if g]
    if len(groups) < 3 and not (len(groups) == 2 and "::" in v and len(v) >= 6):
        return False  # "a::b", "std::", "12:30" are code and clocks, not addresses
    try:
        ipaddress.IPv6Address(v)
    except ValueError:
        return False
    return True


# Priority order: when two candidates overlap, the earlier kind wins (an 18-digit resident ID also
# looks like a bank-card run; an address inside an e-mail is not separately reported).
_DETECTORS: tuple[tuple[str, re.Pattern[str], Callable[[str], bool]], ...] = (
    ("resident_id", _RESIDENT_RE, _ok_resident),
    ("email", _EMAIL_RE, _ok_email),
    ("passport", _PASSPORT_RE, is_valid_passport),
    ("uscc", _USCC_RE, is_valid_uscc),
    ("bank_card", _BANK_RE, _ok_bank),
    ("mobile", _MOBILE_RE, _ok_mobile),
    ("ipv6", _IPV6_RE, _ok_ipv6),
    ("ipv4", _IPV4_RE, _ok_ipv4),
    ("plate", _PLATE_RE, is_valid_plate),
)
KINDS: tuple[str, ...] = tuple(k for k, _, _ in _DETECTORS)
# Every detector needs an ASCII digit, "@" or ":", except plates: a province character then a letter.
_HAS_CANDIDATE = re.compile(rf"[0-9@:]|[{PLATE_PROVINCES}][A-HJ-NP-Z]")
# A text without any of these characters holds no PII: callers scanning many texts can skip ``detect``.
PII_CANDIDATE = _HAS_CANDIDATE


def detect(text: str, kinds: Iterable[str] | None = None) -> list[PiiHit]:
    """All validated, non-overlapping PII hits in ``text``, ordered by position."""
    if not text or _HAS_CANDIDATE.search(text) is None:
        return []
    wanted = set(kinds) if kinds is not None else None
    accepted: list[PiiHit] = []  # kept sorted by start; spans never overlap
    starts: list[int] = []
    for kind, pattern, ok in _DETECTORS:
        if wanted is not None and kind not in wanted:
            continue
        for m in pattern.finditer(text):
            value = m.group()
            if not ok(value):
                continue
            s, e = m.span()
            i = bisect.bisect_left(starts, s)
            if (i < len(starts) and starts[i] < e) or (i > 0 and accepted[i - 1].end > s):
                continue
            starts.insert(i, s)
            accepted.insert(i, PiiHit(kind, s, e, value))
    return accepted


def _mask_middle(value: str, head: int, tail: int) -> str:
    """Replace alphanumerics between the first ``head`` and last ``tail`` with '*', keep separators."""
    positions = [i for i, c in enumerate(value) if c.isalnum()]
    hidden = set(positions[head : len(positions) - tail if tail else None])
    return "".join("*" if i in hidden else c for i, c in enumerate(value))


def mask_value(kind: str, value: str) -> str:
    """Mask one detected value so its shape (length, separators, prefix) survives."""
    if kind == "resident_id":
        return _mask_middle(value, 6, 4)
    if kind == "mobile":
        prefix = ""
        for p in ("+86", "0086"):
            if value.startswith(p):
                prefix, value = p, value[len(p) :]
        return prefix + _mask_middle(value, 3, 4)
    if kind == "bank_card":
        return _mask_middle(value, 6, 4)
    if kind == "uscc":
        return _mask_middle(value, 8, 4)
    if kind == "email":
        local, _, domain = value.rpartition("@")
        return local[:1] + "*" * (len(local) - 1) + "@" + domain
    if kind == "passport":
        return _mask_middle(value, 1, 2)
    if kind == "ipv4":
        a, b, c, d = value.split(".")
        return ".".join([a, b, "*" * len(c), "*" * len(d)])
    if kind == "ipv6":
        head, sep, rest = value.partition(":")
        second, sep2, rest2 = rest.partition(":")
        return head + sep + second + sep2 + re.sub(r"[0-9A-Fa-f.]", "*", rest2)
    if kind == "plate":
        return value[:2] + "*" * (len(value) - 3) + value[-1]
    return "*" * len(value)


def mask(text: str, kinds: Iterable[str] | None = None) -> str:
    """``text`` with every detected value masked in place (e.g. 320102********1234, 138****5678).

    Masked to a fixed point: a masked value can leave a new candidate next to it (an ID's visible last
    digits followed by "::0" read as an IPv6 address), which is masked too, so masking a masked text
    changes nothing. Each round only turns characters into '*', so it ends."""
    while True:
        hits = detect(text, kinds)
        if not hits:
            return text
        out: list[str] = []
        pos = 0
        for h in hits:
            out.append(text[pos : h.start])
            out.append(mask_value(h.kind, h.value))
            pos = h.end
        out.append(text[pos:])
        masked = "".join(out)
        if masked == text:
            return text
        text = masked


# --- sensitive personal information (PIPL art. 28) -------------------------------------------------

# English keywords match whole tokens of the field name (so "lat" does not fire on "platform");
# Chinese keywords match as substrings because Chinese field names have no separators.
SENSITIVE_CATEGORIES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "biometric": (
        ("fingerprint", "fingerprints", "face", "facial", "faceid", "faceprint", "iris", "retina",
         "voiceprint", "palmprint", "gait", "biometric", "biometrics", "dna", "genome", "genetic"),
        ("指纹", "人脸", "面部", "面容", "虹膜", "视网膜", "声纹", "掌纹", "步态", "生物识别", "基因"),
    ),
    "religion": (
        ("religion", "religious", "faith", "belief", "beliefs", "denomination"),
        ("宗教", "信仰", "教派"),
    ),
    "specific_identity": (
        ("ethnicity", "ethnic", "race", "political", "party membership", "sexual orientation", "criminal",
         "conviction", "disability", "id card", "idcard", "id number", "identity number", "resident id",
         "passport", "ssn", "hukou"),
        ("民族", "政治面貌", "党员", "性取向", "犯罪", "违法记录", "身份证", "证件号", "护照", "残疾", "户籍"),
    ),
    "medical": (
        ("medical", "diagnosis", "diagnoses", "disease", "illness", "symptom", "symptoms", "prescription",
         "medication", "patient", "health", "clinical", "allergy", "allergies", "icd", "icd10", "pregnancy",
         "hiv", "blood type", "mental"),
        ("病历", "诊断", "疾病", "病史", "病情", "症状", "处方", "用药", "医疗", "健康", "检验", "患者",
         "就诊", "过敏", "血型", "体检", "病案"),
    ),
    "financial_account": (
        ("bank card", "bankcard", "card number", "card no", "cardno", "account number", "account no",
         "bank account", "iban", "credit card", "debit card", "cvv", "balance", "alipay", "payment account"),
        ("银行卡", "卡号", "账号", "账户", "帐户", "信用卡", "借记卡", "存款", "余额", "支付宝", "开户"),
    ),
    "location_track": (
        ("gps", "latitude", "longitude", "lat", "lng", "lon", "trajectory", "trajectories", "whereabouts",
         "geolocation", "location history", "location track", "gps track"),
        ("轨迹", "行踪", "定位", "经度", "纬度", "经纬度", "位置记录", "行程"),
    ),
    "minor": (
        ("minor", "minors", "child", "children", "kid", "kids", "juvenile", "guardian", "under14", "under 14",
         "pupil"),
        ("未成年", "儿童", "少年", "监护人", "幼儿", "小学生"),
    ),
}

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def _tokens(name: str) -> list[str]:
    return [t for t in _NON_ALNUM.split(_CAMEL.sub(" ", name).lower()) if t]


def sensitive_categories(field_name: str) -> list[str]:
    """Every PIPL sensitive category a field name points at (Chinese or English, any case style)."""
    toks = _tokens(field_name)
    joined = " " + " ".join(toks) + " "
    found = []
    for cat, (english, chinese) in SENSITIVE_CATEGORIES.items():
        if any(f" {kw} " in joined for kw in english) or any(kw in field_name for kw in chinese):
            found.append(cat)
    return found


def sensitive_category(field_name: str) -> str | None:
    """The first sensitive category of a field name, or None for an ordinary field."""
    cats = sensitive_categories(field_name)
    return cats[0] if cats else None


_KIND_CATEGORY = {"resident_id": "specific_identity", "passport": "specific_identity",
                  "bank_card": "financial_account"}


def hit_categories(hit: PiiHit, today: date | None = None) -> list[str]:
    """Sensitive categories a detector hit reveals; a resident ID of someone under 14 adds ``minor``."""
    cats = [_KIND_CATEGORY[hit.kind]] if hit.kind in _KIND_CATEGORY else []
    if hit.kind == "resident_id":
        today = today or date.today()
        born = date(int(hit.value[6:10]), int(hit.value[10:12]), int(hit.value[12:14]))
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        if age < 14:
            cats.append("minor")
    return cats
