"""Agreement coefficients against textbook values, sklearn and the krippendorff package."""

from __future__ import annotations

import math

import krippendorff
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from crowdset.quality.agreement import (
    agreement_report,
    box_agreement,
    character_error_rate,
    cohen_kappa,
    edit_distance,
    fleiss_kappa,
    iou_matrix,
    krippendorff_alpha,
    krippendorff_alpha_long,
    per_label_agreement,
    per_pair_agreement,
    percent_agreement,
    ranking_agreement,
    span_agreement,
    transcription_agreement,
)

NAN = np.nan
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers x 12 units.
KRIPP_2011 = np.array([
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
])
# Fleiss (1971) / Wikipedia worked example: 10 subjects, 14 raters, 5 categories, kappa = 0.210.
FLEISS_WIKI = np.array([
    [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
])


def _long_from_matrix(data: np.ndarray) -> pd.DataFrame:
    rows = [(u, r, data[r, u]) for r in range(data.shape[0]) for u in range(data.shape[1]) if not np.isnan(data[r, u])]
    return pd.DataFrame(rows, columns=["task", "worker", "label"])


@pytest.mark.parametrize(
    ("level", "expected"), [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)]
)
def test_krippendorff_textbook(level: str, expected: float) -> None:
    ours = krippendorff_alpha(KRIPP_2011, level=level)
    assert ours == pytest.approx(expected, abs=5e-4)
    assert ours == pytest.approx(krippendorff.alpha(KRIPP_2011, level_of_measurement=level), abs=1e-12)
    assert krippendorff_alpha_long(_long_from_matrix(KRIPP_2011), level=level) == pytest.approx(ours, abs=1e-12)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
@pytest.mark.parametrize("seed", range(4))
def test_krippendorff_random_matches_package(level: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, 6, size=40)
    data = np.where(rng.random((5, 40)) < 0.7, truth, rng.integers(1, 6, size=(5, 40))).astype(float)
    data[rng.random(data.shape) < 0.25] = np.nan  # missing ratings
    assert krippendorff_alpha(data, level=level) == pytest.approx(
        krippendorff.alpha(data, level_of_measurement=level), abs=1e-10
    )


def test_krippendorff_string_labels_ordinal_uses_sorted_order() -> None:
    df = pd.DataFrame({"task": [1, 1, 2, 2, 3, 3], "worker": list("ababab"), "label": ["a", "a", "b", "c", "c", "c"]})
    coded = df.assign(label=df["label"].map({"a": 1.0, "b": 2.0, "c": 3.0}))
    assert krippendorff_alpha_long(df, level="ordinal") == pytest.approx(
        krippendorff_alpha_long(coded, level="ordinal")
    )
    with pytest.raises(ValueError, match="numeric"):
        krippendorff_alpha_long(df, level="interval")


def test_fleiss_textbook_and_percent_agreement() -> None:
    assert fleiss_kappa(FLEISS_WIKI) == pytest.approx(0.20993, abs=1e-5)
    # P-bar of the same example (Wikipedia): 0.378
    assert percent_agreement(FLEISS_WIKI) == pytest.approx(0.37802, abs=1e-5)


def test_percent_agreement_hand_computed() -> None:
    # item 1: 3 raters all agree -> 1; item 2: labels a,a,b -> 1 of 3 pairs agree; item 3 single rating ignored
    counts = np.array([[3, 0], [2, 1], [1, 0]])
    assert percent_agreement(counts) == pytest.approx((1 + 1 / 3) / 2)


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohen_kappa_matches_sklearn(weights: str | None) -> None:
    rng = np.random.default_rng(1)
    a = rng.integers(0, 4, 200)
    b = np.where(rng.random(200) < 0.6, a, rng.integers(0, 4, 200))
    assert cohen_kappa(a, b, weights=weights) == pytest.approx(cohen_kappa_score(a, b, weights=weights), abs=1e-12)


def test_cohen_kappa_hand_computed_and_chinese_labels() -> None:
    # 2x2 table [[20, 5], [10, 15]]: p_o = .7, p_e = .5 -> kappa = .4
    a = ["是"] * 25 + ["否"] * 25
    b = ["是"] * 20 + ["否"] * 5 + ["是"] * 10 + ["否"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    assert math.isnan(cohen_kappa(["x", "x"], ["x", "x"]))  # undefined, not guessed


def test_per_pair_matches_cohen_and_per_label_hand_computed() -> None:
    rng = np.random.default_rng(3)
    rows = [(t, w, int(rng.integers(0, 3))) for t in range(60) for w in ("A", "B", "C") if rng.random() < 0.8]
    df = pd.DataFrame(rows, columns=["task", "worker", "label"])
    pp = per_pair_agreement(df)
    wide = df.pivot(index="task", columns="worker", values="label")
    for row in pp.itertuples():
        both = wide[[row.worker_a, row.worker_b]].dropna()
        assert row.n_common == len(both)
        assert row.kappa == pytest.approx(cohen_kappa_score(both.iloc[:, 0], both.iloc[:, 1]), abs=1e-12)
        assert row.percent_agreement == pytest.approx((both.iloc[:, 0] == both.iloc[:, 1]).mean())
    # per-label: two items rated x,x,y and y,y,y -> x: 2 of 2 x-ratings have another x rater... specific
    small = pd.DataFrame({"task": [1, 1, 1, 2, 2, 2], "worker": list("abcabc"), "label": list("xxyyyy")})
    pl_ = per_label_agreement(small).set_index("label")
    assert pl_.loc["x", "specific_agreement"] == pytest.approx(2 / 4)  # sum n(n-1)=2 over sum n(n_i-1)=4
    assert pl_.loc["y", "specific_agreement"] == pytest.approx((0 + 6) / (1 * 2 + 3 * 2))
    assert pl_.loc["x", "n"] == 2


def test_agreement_report_two_workers_has_cohen() -> None:
    df = pd.DataFrame({"task": [1, 1, 2, 2, 3, 3], "worker": list("ababab"), "label": list("xxyyxy")})
    rep = agreement_report(df)
    assert rep.summary["cohen_kappa"] == pytest.approx(cohen_kappa(["x", "y", "x"], ["x", "y", "y"]))
    assert rep.summary["percent_agreement"] == pytest.approx(2 / 3)


# -------------------------------------------------------------------- property tests
labels_matrix = st.integers(2, 6).flatmap(
    lambda n_items: st.lists(
        st.lists(st.integers(0, 3), min_size=n_items, max_size=n_items), min_size=2, max_size=5
    )
)


@settings(max_examples=40, deadline=None)
@given(labels_matrix, st.randoms(use_true_random=False))
def test_permuting_workers_and_items_does_not_change_coefficients(mat: list[list[int]], rnd) -> None:
    df = pd.DataFrame(
        [(f"t{u}", f"w{r}", v) for r, row in enumerate(mat) for u, v in enumerate(row)],
        columns=["task", "worker", "label"],
    )
    shuffled = df.sample(frac=1.0, random_state=rnd.randint(0, 10_000)).reset_index(drop=True)
    renamed = shuffled.assign(worker=shuffled["worker"].map(lambda w: f"x{w}"))
    for fn in (
        lambda d: krippendorff_alpha_long(d, level="nominal"),
        lambda d: krippendorff_alpha_long(d, level="interval"),
        lambda d: agreement_report(d).summary["fleiss_kappa"],
        lambda d: agreement_report(d).summary["percent_agreement"],
    ):
        a, b = fn(df), fn(renamed)
        assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["猫", "狗", "鸟"]), min_size=3, max_size=20).filter(lambda x: len(set(x)) >= 2),
       st.integers(2, 5))
def test_perfect_agreement_gives_one(truth: list[str], n_workers: int) -> None:
    df = pd.DataFrame([(t, w, lab) for t, lab in enumerate(truth) for w in range(n_workers)],
                      columns=["task", "worker", "label"])
    rep = agreement_report(df)
    assert rep.summary["percent_agreement"] == 1.0
    assert rep.summary["fleiss_kappa"] == pytest.approx(1.0)
    assert rep.summary["krippendorff_alpha"] == pytest.approx(1.0)
    assert (per_pair_agreement(df)["kappa"].to_numpy() == pytest.approx(1.0))
    assert cohen_kappa(truth, truth) == pytest.approx(1.0)


# -------------------------------------------------------------------- structured annotations
def test_span_agreement_exact_and_overlap() -> None:
    a = [{"start": 0, "end": 5, "label": "PER"}, {"start": 10, "end": 15, "label": "LOC"}]
    b = [{"start": 0, "end": 5, "label": "PER"}, {"start": 11, "end": 16, "label": "LOC"},
         {"start": 20, "end": 22, "label": "ORG"}]
    exact = span_agreement(a, b, mode="exact")
    assert (exact["matched"], exact["precision"], exact["recall"]) == (1, 1 / 3, 1 / 2)
    assert exact["f1"] == pytest.approx(2 * 1 / 5)
    overlap = span_agreement(a, b, mode="overlap")
    assert overlap["matched"] == 2 and overlap["f1"] == pytest.approx(4 / 5)
    # same place, different label: no match
    assert span_agreement(a[:1], [{"start": 0, "end": 5, "label": "ORG"}], mode="overlap")["f1"] == 0.0
    assert span_agreement([], [])["f1"] == 1.0


def test_box_agreement_iou_threshold() -> None:
    assert iou_matrix([[0, 0, 10, 10]], [[5, 0, 10, 10]])[0, 0] == pytest.approx(50 / 150)
    a = [{"x": 0, "y": 0, "width": 10, "height": 10, "label": "car"}, {"x": 50, "y": 50, "width": 10, "height": 10,
                                                                       "label": "car"}]
    b = [{"x": 1, "y": 1, "width": 10, "height": 10, "label": "car"}, {"x": 55, "y": 50, "width": 10, "height": 10,
                                                                       "label": "car"}]
    res = box_agreement(a, b, iou_threshold=0.5)
    assert res["matched"] == 1 and res["f1"] == pytest.approx(0.5)
    assert box_agreement(a, b, iou_threshold=0.3)["matched"] == 2
    b_wrong_label = [dict(b[0], label="bus")]
    assert box_agreement(a[:1], b_wrong_label)["matched"] == 0


def test_ranking_agreement_kendall() -> None:
    assert ranking_agreement(list("abcd"), list("abcd")) == pytest.approx(1.0)
    assert ranking_agreement(list("abcd"), list("dcba")) == pytest.approx(-1.0)
    assert ranking_agreement(list("abcd"), list("abdc")) == pytest.approx(4 / 6)  # 5 concordant, 1 discordant
    assert math.isnan(ranking_agreement(["a"], ["a"]))


def test_transcription_cer_chinese_and_edit_distance() -> None:
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("", "abc") == 3
    assert character_error_rate("我爱北京天安门", "我爱北京天安") == pytest.approx(1 / 7)
    assert character_error_rate("我爱北京", "你爱南京") == pytest.approx(2 / 4)
    assert transcription_agreement("我爱北京天安门", "我爱北京天安门") == 1.0
    assert transcription_agreement("abc", "") == 0.0
    # NFC: precomposed vs combining accent are the same text
    assert transcription_agreement("caf\u00e9", "cafe\u0301") == 1.0


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=12), st.text(max_size=12))
def test_edit_distance_properties(a: str, b: str) -> None:
    d = edit_distance(a, b)
    assert d == edit_distance(b, a)
    assert abs(len(a) - len(b)) <= d <= max(len(a), len(b))
    assert (d == 0) == (a == b)
    assert 0.0 <= transcription_agreement(a, b, normalize=False) <= 1.0
