"""Near-duplicates on Chinese text (our vectorised path vs datasketch), grade bands, dimension means."""

from __future__ import annotations

import random

import numpy as np
import pytest

from crowdset.datasets.evaluate.dedup import (
    DatasketchNearDup,
    VectorisedNearDup,
    lsh_params,
    normalise_text,
)
from crowdset.datasets.evaluate.profiles import ProfileError, available_profiles, load_profile
from crowdset.datasets.evaluate.scoring import cap_reasons, dimension_scores, grade

HANZI = ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工"
         "也能下过子说产种面而方后多定行学法所民得经")


def _corpus(seed: int = 3):
    rng = random.Random(seed)
    base = ["".join(rng.choice(HANZI) for _ in range(80)) for _ in range(150)]
    texts = list(base)
    near = []
    for t in base[:40]:  # two characters changed at the end: Jaccard ≈ 0.93
        near.append(len(texts))
        texts.append(t[:-2] + "好吗")
    for t in base[40:80]:  # half rewritten: Jaccard ≈ 0.3, must not be flagged
        texts.append(t[:40] + "".join(rng.choice(HANZI) for _ in range(40)))
    return texts, set(near)


@pytest.mark.parametrize("impl", [VectorisedNearDup, DatasketchNearDup])
def test_near_duplicates_found_on_chinese_text(impl):
    texts, expected = _corpus()
    nd = impl(0.8, 128, 3)
    half = len(texts) // 2  # two batches: state must carry over
    nd.add_batch(np.arange(half), [normalise_text(t) for t in texts[:half]])
    nd.add_batch(np.arange(half, len(texts)), [normalise_text(t) for t in texts[half:]])
    found = nd.finish()
    assert set(found) == expected
    assert all(found[k][0] == k - 150 for k in found)  # partner = its original
    assert all(s >= 0.8 for _, s in found.values())


def test_vectorised_signature_estimates_jaccard():
    nd = VectorisedNearDup(0.8, 256, 3)
    a = "数据集质量评估需要可靠的近重复检测方法来保证训练数据的洁净度与多样性"
    b = a[:-4] + "和代表性"
    sa, sb = (set(x[i : i + 3] for i in range(len(x) - 2)) for x in (a, b))
    true_j = len(sa & sb) / len(sa | sb)
    sig = nd.signatures([a, b])
    est = float((sig[0] == sig[1]).mean())
    assert abs(est - true_j) < 0.1
    assert sig.dtype == np.uint32 and sig.shape == (2, 256)


def test_short_texts_and_empty_batches():
    nd = VectorisedNearDup(0.8, 64, 3)
    nd.add_batch(np.array([], dtype=np.int64), [])
    nd.add_batch(np.arange(3), ["好的", "好的", "不好"])  # shorter than k: one whole-text shingle
    assert nd.finish() == {1: (0, 1.0)}


def test_lsh_params_match_datasketch():
    from datasketch.lsh import _optimal_param

    assert lsh_params(0.8, 128) == _optimal_param(0.8, 128, 0.5, 0.5)


# --- scoring -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dims", "expected"),
    [
        ((95, 92, 90), "A"),
        ((95, 89.99, 99), "B"),
        ((80, 80, 80), "B"),
        ((79.99, 95, 95), "C"),
        ((60, 60, 60), "C"),
        ((59.9, 100, 100), "D"),
        ((None, 100, 100), "D"),
    ],
)
def test_grade_bands(dims, expected):
    assert grade(dict(zip(("documentation", "data_quality", "model_application"), dims, strict=True))) == expected


def test_grade_cap_never_above_c():
    high = {"documentation": 99.0, "data_quality": 99.0, "model_application": 99.0}
    assert grade(high, capped=True) == "C"
    low = {"documentation": 10.0, "data_quality": 99.0, "model_application": 99.0}
    assert grade(low, capped=True) == "D"
    assert cap_reasons({"security_level": "核心数据"}, {}) != []
    assert cap_reasons({"field_levels": {"坐标": "core"}}, {}) != []
    assert cap_reasons({}, {"financial_account": 2}) != []
    assert cap_reasons({"security_level": "一般数据"}, {}) == []


def test_dimension_scores_weighted_and_skip_not_applicable():
    prof = load_profile("healthcare")  # 0202 weight 3, 0203 weight 2
    ind = {c: {"x": None} for c in ("0101", "0102", "0103", "0104", "0201", "0204", "0205", "0206", "0207", "0208",
                                    "0301", "0302", "0303", "0304", "0305")}
    ind.update({"0101": {"x": 100.0}, "0102": {"x": 50.0}, "0202": {"x": 60.0}, "0203": {"x": 90.0},
                "0208": {"x": 100.0}, "0302": {"x": 40.0}})
    d = dimension_scores(ind, prof)
    assert d["documentation"] == 75.0
    assert d["data_quality"] == pytest.approx((3 * 60 + 2 * 90 + 100) / 6, abs=0.01)
    assert d["model_application"] == 40.0


def test_profiles_load_and_inherit():
    names = available_profiles()
    for required in ("general", "healthcare", "finance", "manufacturing", "transport", "autonomous_driving"):
        assert required in names
        p = load_profile(required)
        assert set(p.dimensions) == {"documentation", "data_quality", "model_application"}
        assert sum(len(v) for v in p.dimensions.values()) == 17
    ad = load_profile("autonomous_driving")
    assert ad.weight("0203") == 3 and ad.weight("0202") == 3  # own weight, and one inherited from transport
    assert ad.media["min_image_side"] == 320 and ad.media["min_sample_rate"] == 8000  # deep merge
    with pytest.raises(ProfileError):
        load_profile("no-such-profile")


def test_profile_from_path_and_malformed(tmp_path):
    p = tmp_path / "mine.yaml"
    p.write_text("extends: general\nname: mine\nrequired_scale: 7\n", encoding="utf-8")
    assert load_profile(p).required_scale == 7
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nrequired_scale: [1\n", encoding="utf-8")
    with pytest.raises(ProfileError):
        load_profile(bad)
