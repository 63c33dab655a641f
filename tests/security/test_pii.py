"""PII detectors (validity checks, boundaries), format-keeping masking, sensitive-field flagging."""

from __future__ import annotations

import time
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crowdset.security.identifiers import (
    USCC_ALPHABET,
    is_valid_passport,
    is_valid_plate,
    is_valid_resident_id,
    is_valid_uscc,
    luhn_ok,
    resident_id_check_char,
    uscc_check_char,
)
from crowdset.security.pii import (
    detect,
    hit_categories,
    mask,
    mask_value,
    sensitive_categories,
    sensitive_category,
)


def rid(first17: str) -> str:
    """A resident ID with its check character computed, not copied from somewhere."""
    return first17 + resident_id_check_char(first17)


def luhn_complete(prefix: str) -> str:
    for d in "0123456789":
        if luhn_ok(prefix + d):
            return prefix + d
    raise AssertionError


VALID_ID = rid("32010219900307123")  # Nanjing Xuanwu, born 1990-03-07
VALID_CARD = luhn_complete("622202123456789012")  # 19 digits, UnionPay 62 prefix


def kinds(text: str) -> list[str]:
    return [h.kind for h in detect(text)]


# --- validators ----------------------------------------------------------------------------------------


def test_resident_id_check_digit_and_date():
    assert is_valid_resident_id(VALID_ID)
    wrong = VALID_ID[:17] + ("0" if VALID_ID[17] != "0" else "1")
    assert not is_valid_resident_id(wrong)
    assert not is_valid_resident_id(rid("32010219900230123"))  # 30 February
    assert not is_valid_resident_id(rid("32010221000101123"))  # born in the future


def test_resident_id_x_check_char_detected():
    # find a 17-digit body whose check char is X, so the X branch is exercised for real
    body = next(f"11010519900101{i:03d}" for i in range(1000)
                if resident_id_check_char(f"11010519900101{i:03d}") == "X")
    number = body + "X"
    assert is_valid_resident_id(number)
    hits = detect(f"证件号{number}。")
    assert [h.kind for h in hits] == ["resident_id"] and hits[0].value == number


def test_resident_id_unknown_province_rejected():
    # 99 is no province: even with a correct check digit the detector must not fire
    assert kinds(rid("99010219900307123")) == []


def test_uscc_known_valid_and_mutations():
    assert is_valid_uscc("91350100M000100Y43")
    assert uscc_check_char("91350100M000100Y4") == "3"
    assert not is_valid_uscc("91350100M000100Y44")
    assert not is_valid_uscc("91350100M0001O0Y43")  # letter O is never used
    for c in USCC_ALPHABET[:5]:
        code = "91110000" + "600037" + c + "12"
        full = code + uscc_check_char(code)
        assert is_valid_uscc(full)


def test_luhn_and_bank_card_detection():
    assert luhn_ok(VALID_CARD)
    bad = VALID_CARD[:-1] + str((int(VALID_CARD[-1]) + 1) % 10)
    assert not luhn_ok(bad)
    assert kinds(f"卡号{VALID_CARD}") == ["bank_card"]
    assert kinds(f"卡号{bad}") == []
    spaced = " ".join(VALID_CARD[i : i + 4] for i in range(0, 19, 4))
    assert kinds(f"卡号 {spaced} 已绑定") == ["bank_card"]


def test_passport_and_plate_structure():
    assert is_valid_passport("E12345678") and is_valid_passport("EA1234567") and is_valid_passport("G12345678")
    assert not is_valid_passport("E00000000") and not is_valid_passport("EI1234567")
    assert not is_valid_passport("X12345678") and not is_valid_passport("E1234567")
    for good in ("京A12345", "粤B1234学", "沪AD12345", "苏E12345F", "浙AF1234"[:7] + "5"):
        assert is_valid_plate(good), good
    for bad in ("京I12345", "甲A12345", "京AABC12", "京A1234", "沪AX12345"):
        assert not is_valid_plate(bad), bad


# --- detection -----------------------------------------------------------------------------------------


def test_mobile_forms_and_boundaries():
    assert kinds("电话13812345678，") == ["mobile"]
    assert kinds("电话+8613812345678") == ["mobile"]
    assert kinds("电话0086 138-1234-5678") == ["mobile"]
    assert kinds("订单号213812345678901") == []  # inside a longer digit run
    assert kinds("12812345678") == []  # 12x is not a mobile prefix
    assert kinds("编号１３８１２３４５６７８") == []  # full-width digits are not ASCII digits


def test_email_ip_and_code_false_positives():
    text = "联系 zhang.san@example.com 或 10.0.0.8，网关 fe80::1ff:fe23:4567:890a；std::vector 与 12:30:45"
    assert kinds(text) == ["email", "ipv4", "ipv6"]
    assert kinds("版本 1.2.3 与 300.1.1.1") == []
    assert kinds("a..b@example.com") == []


def test_overlaps_resolved_by_priority_and_positions():
    text = f"身份证{VALID_ID}，手机13912345678，车牌京A12345，护照E12345678，邮箱a@b.cn，信用代码91350100M000100Y43"
    hits = detect(text)
    assert [h.kind for h in hits] == ["resident_id", "mobile", "plate", "passport", "email", "uscc"]
    for h in hits:
        assert text[h.start : h.end] == h.value
    assert all(a.end <= b.start for a, b in zip(hits, hits[1:], strict=False))


def test_detect_kinds_filter():
    assert kinds("13912345678 a@b.cn") == ["mobile", "email"]
    assert [h.kind for h in detect("13912345678 a@b.cn", kinds=["email"])] == ["email"]


def test_long_chinese_text_is_fast():
    text = ("这是一段没有个人信息的中文文本，用于测试长文本的处理速度。" * 20000) + "电话13812345678"
    t0 = time.perf_counter()
    hits = detect(text)
    assert time.perf_counter() - t0 < 2.0
    assert [h.kind for h in hits] == ["mobile"]


# --- masking -------------------------------------------------------------------------------------------


def test_mask_examples_keep_format():
    assert mask_value("resident_id", VALID_ID) == VALID_ID[:6] + "********" + VALID_ID[14:]
    assert mask_value("mobile", "13812345678") == "138****5678"
    assert mask_value("mobile", "+86 138-1234-5678") == "+86 138-****-5678"
    assert mask_value("bank_card", VALID_CARD) == VALID_CARD[:6] + "*" * 9 + VALID_CARD[-4:]
    assert mask_value("email", "zhang@example.com") == "z****@example.com"
    assert mask_value("ipv4", "192.168.10.25") == "192.168.**.**"
    assert mask_value("plate", "京A12345") == "京A****5"
    assert mask_value("passport", "E12345678") == "E******78"


def test_mask_text_replaces_only_hits():
    text = f"张三，身份证{VALID_ID}，电话13812345678。"
    out = mask(text)
    assert out == f"张三，身份证{VALID_ID[:6]}********{VALID_ID[14:]}，电话138****5678。"
    assert detect(out) == []


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1950, max_value=2010), st.integers(1, 12), st.integers(1, 28),
       st.integers(0, 999), st.text(alphabet="你好世界数据集，。", max_size=20))
def test_masked_resident_id_keeps_length_and_ends(year, month, day, seq, filler):
    number = rid(f"440305{year:04d}{month:02d}{day:02d}{seq:03d}")
    text = filler + number + filler
    out = mask(text)
    assert len(out) == len(text)
    masked = out[len(filler) : len(filler) + 18]
    assert masked[:6] == number[:6] and masked[-4:] == number[-4:] and masked[6:14] == "*" * 8


# --- sensitive categories ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("fingerprint_template", "biometric"), ("人脸图像", "biometric"), ("religion", "religion"),
        ("宗教信仰", "religion"), ("政治面貌", "specific_identity"), ("ethnicity", "specific_identity"),
        ("patientDiagnosis", "medical"), ("诊断结果", "medical"), ("bank_card_no", "financial_account"),
        ("银行卡号", "financial_account"), ("gps_lat", "location_track"), ("行踪轨迹", "location_track"),
        ("childName", "minor"), ("未成年人姓名", "minor"),
    ],
)
def test_sensitive_field_names(name, category):
    assert category in sensitive_categories(name)


@pytest.mark.parametrize("name", ["platform", "text", "label", "surface", "latency_ms", "title", "创建时间"])
def test_ordinary_field_names(name):
    assert sensitive_category(name) is None


def test_hit_categories_flags_minors_from_birth_date():
    child = rid("11010520150101123")
    adult = rid("11010519800101123")
    [h_child] = detect(child)
    [h_adult] = detect(adult)
    assert hit_categories(h_child, date(2025, 6, 1)) == ["specific_identity", "minor"]
    assert hit_categories(h_adult, date(2025, 6, 1)) == ["specific_identity"]
    [card] = detect(VALID_CARD)
    assert hit_categories(card) == ["financial_account"]


def test_mask_covers_what_a_masked_value_exposes():
    # the ID's visible tail "1239" and "::0" read as an IPv6 address once the ID is masked
    text = "320102199003071239::0"
    once = mask(text)
    assert once.startswith("320102********") and mask(once) == once


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(list("0123456789 +-.:@abcEXG京A中文，。") + [VALID_ID, "13812345678", VALID_CARD]),
                max_size=40).map("".join))
def test_detect_spans_are_consistent_and_mask_is_idempotent(text):
    hits = detect(text)
    for h in hits:
        assert text[h.start : h.end] == h.value
    assert all(a.end <= b.start for a, b in zip(hits, hits[1:], strict=False))
    once = mask(text)
    assert mask(once) == once
