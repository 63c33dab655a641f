"""Aggregators: hand-computed cases, equivalence with crowd-kit, accuracy on a synthetic crowd."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crowdset.quality._encoding import Encoded, encode
from crowdset.quality.aggregation import (
    aggregate,
    aggregate_boxes,
    bradley_terry,
    dawid_skene,
    glad,
    gold_majority_vote,
    mace,
    majority_vote,
    majority_vote_codes,
    rover,
    wawa,
    weighted_majority_vote,
    zero_based_skill,
)
from crowdset.quality.aggregation import mv as mv_module
from crowdset.quality.synthetic import generate_crowd

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")


@pytest.fixture(scope="module")
def crowd():
    return generate_crowd(400, 25, 5, 3, spammer_frac=0.3, seed=11)


@pytest.fixture(scope="module")
def crowd_df(crowd) -> pd.DataFrame:
    return crowd.to_frame()[["task", "worker", "label"]]


def _ours_vs_ck(ours, ck_labels: pd.Series) -> np.ndarray:
    frame = ours.to_frame().set_index("task")
    return (frame["label"] == ck_labels.reindex(frame.index)).to_numpy()


# -------------------------------------------------------------------- majority vote
def test_majority_vote_hand_computed_with_chinese_labels() -> None:
    df = pd.DataFrame({
        "task": ["q1", "q1", "q1", "q2", "q2", "q3"],
        "worker": ["甲", "乙", "丙", "甲", "乙", "丙"],
        "label": ["猫", "猫", "狗", "狗", "狗", "鸟"],
    })
    out = majority_vote(df).to_frame()
    assert out["task"].tolist() == ["q1", "q2", "q3"]
    assert out["label"].tolist() == ["猫", "狗", "鸟"]
    assert out["confidence"].tolist() == pytest.approx([2 / 3, 1.0, 1.0])


def test_majority_vote_ties_go_to_smallest_label_regardless_of_order() -> None:
    df = pd.DataFrame({"task": [1, 1, 2, 2, 2, 2], "worker": list("abcdef"), "label": ["b", "a", "z", "y", "y", "z"]})
    for seed in range(5):
        shuffled = df.sample(frac=1.0, random_state=seed)
        res = majority_vote(shuffled).to_frame().set_index("task")
        assert res.loc[1, "label"] == "a" and res.loc[2, "label"] == "y"
        assert res.loc[2, "confidence"] == pytest.approx(0.5)
    ints = pd.DataFrame({"task": [0, 0], "worker": [0, 1], "label": [10, 2]})
    assert majority_vote(ints).labels.tolist() == [2]  # numeric order, not string order ("10" < "2")


def test_majority_vote_sparse_path_matches_dense(monkeypatch: pytest.MonkeyPatch, crowd) -> None:
    enc = crowd.encoded()
    dense = majority_vote_codes(enc.task, enc.label, enc.n_tasks, enc.n_labels)
    monkeypatch.setattr(mv_module, "DENSE_CELL_LIMIT", 0)
    sparse = mv_module.majority_vote_codes(enc.task, enc.label, enc.n_tasks, enc.n_labels)
    assert sparse[2] is None
    np.testing.assert_array_equal(dense[0], sparse[0])
    np.testing.assert_allclose(dense[1], sparse[1])


def test_majority_vote_matches_crowdkit(crowd_df: pd.DataFrame) -> None:
    from crowdkit.aggregation import MajorityVote

    ck = MajorityVote()
    ck_labels = ck.fit_predict(crowd_df)
    ours = majority_vote(crowd_df)
    same = _ours_vs_ck(ours, ck_labels)
    # crowd-kit breaks ties by column order (order-dependent); on tasks without a tie the answer is identical
    probas = ours.probas_frame()
    tied = (probas.to_numpy() == probas.to_numpy().max(axis=1, keepdims=True)).sum(axis=1) > 1
    assert same[~tied].all()
    assert tied.mean() < 0.2
    ck_p = ck.probas_.reindex(index=probas.index, columns=probas.columns).fillna(0.0)
    np.testing.assert_allclose(probas.to_numpy(), ck_p.to_numpy(), atol=1e-12)


def test_majority_vote_matches_crowdkit_on_tie_free_data() -> None:
    from crowdkit.aggregation import MajorityVote

    df = generate_crowd(500, 15, 3, 2, seed=5).to_frame()[["task", "worker", "label"]]  # 3 votes, 2 classes
    assert _ours_vs_ck(majority_vote(df), MajorityVote().fit_predict(df)).mean() >= 0.99


def test_weighted_majority_vote_uses_gold_accuracy() -> None:
    # worker c is always right on gold, a and b always wrong -> c outvotes a+b on task t3
    df = pd.DataFrame({
        "task": ["g1", "g1", "g1", "g2", "g2", "g2", "t3", "t3", "t3"],
        "worker": list("abcabcabc"),
        "label": ["n", "n", "y", "n", "n", "y", "n", "n", "y"],
    })
    gold = {"g1": "y", "g2": "y"}
    assert majority_vote(df).to_frame().set_index("task").loc["t3", "label"] == "n"
    res = weighted_majority_vote(df, gold=gold).to_frame().set_index("task")
    assert res.loc["t3", "label"] == "y"
    # smoothed accuracies: a, b = (0+1)/(2+2) = .25, c = (2+1)/(2+2) = .75
    assert res.loc["t3", "confidence"] == pytest.approx(0.75 / 1.25)
    explicit = weighted_majority_vote(df, worker_weights={"a": 0.1, "b": 0.1, "c": 1.0})
    assert explicit.to_frame().set_index("task").loc["t3", "label"] == "y"
    with pytest.raises(ValueError, match="gold"):
        weighted_majority_vote(df)


def test_weighted_majority_vote_matches_crowdkit_gold_mv(crowd) -> None:
    df = crowd.to_frame()[["task", "worker", "label"]]
    gold = {f"t{t}": f"L{crowd.truth[t]}" for t in range(0, 400, 2)}  # every worker sees gold
    ours = weighted_majority_vote(df, gold=gold, smoothing=0.0)
    ck = gold_majority_vote(df, gold)  # crowd-kit through the sklearn-compat shim
    assert (ours.labels == ck.labels).mean() >= 0.99
    np.testing.assert_allclose(ours.probas, ck.probas, atol=1e-9)


# -------------------------------------------------------------------- Dawid-Skene
@pytest.mark.parametrize("one_coin", [False, True])
def test_dawid_skene_matches_crowdkit(crowd_df: pd.DataFrame, one_coin: bool) -> None:
    from crowdkit.aggregation import DawidSkene, OneCoinDawidSkene

    model = (OneCoinDawidSkene if one_coin else DawidSkene)(n_iter=15, tol=-np.inf)  # same number of steps
    ck_labels = model.fit_predict(crowd_df)
    ours = dawid_skene(crowd_df, n_iter=15, tol=-np.inf, one_coin=one_coin)
    assert ours.extras["n_iter"] == 15
    assert _ours_vs_ck(ours, ck_labels).mean() >= 0.99
    probas = ours.probas_frame()
    ck_p = model.probas_.reindex(index=probas.index, columns=probas.columns)
    np.testing.assert_allclose(probas.to_numpy(), ck_p.to_numpy(), atol=1e-6)
    np.testing.assert_allclose(ours.extras["priors"].to_numpy(), model.priors_.reindex(probas.columns), atol=1e-6)


def test_dawid_skene_default_convergence_close_to_crowdkit(crowd_df: pd.DataFrame) -> None:
    from crowdkit.aggregation import DawidSkene

    ck = DawidSkene(n_iter=100).fit_predict(crowd_df)
    ours = dawid_skene(crowd_df)
    assert _ours_vs_ck(ours, ck).mean() >= 0.99
    ll = ours.extras["log_likelihood"]
    assert all(b >= a - 1e-9 for a, b in zip(ll, ll[1:], strict=False))  # EM never decreases the likelihood


def test_dawid_skene_beats_majority_vote_with_spammers() -> None:
    for seed in (1, 2):
        c = generate_crowd(1500, 30, 5, 3, spammer_frac=0.4, adversary_frac=0.05, seed=seed)
        enc = c.encoded()
        acc_mv = (majority_vote(enc).label_codes == c.truth).mean()
        acc_ds = (dawid_skene(enc).label_codes == c.truth).mean()
        assert acc_ds > acc_mv + 0.03, (acc_ds, acc_mv)


def test_dawid_skene_gold_pins_known_tasks(crowd) -> None:
    df = crowd.to_frame()
    gold = {"t0": "L2", "t1": "L0"}
    res = dawid_skene(df, gold=gold).to_frame().set_index("task")
    assert res.loc["t0", "label"] == "L2" and res.loc["t0", "confidence"] == 1.0
    assert res.loc["t1", "label"] == "L0"


def test_dawid_skene_confidence_is_posterior_and_labels_round_trip() -> None:
    df = pd.DataFrame({"task": [7, 7, 7, 8, 8, 8], "worker": ["x", "y", "z"] * 2,
                       "label": ["是", "是", "否", "否", "否", "否"]})
    res = dawid_skene(df)
    probas = res.probas_frame()
    assert set(res.labels) <= {"是", "否"}
    np.testing.assert_allclose(probas.sum(axis=1), 1.0)
    np.testing.assert_allclose(res.confidence, probas.max(axis=1))
    assert res.to_frame()["task"].tolist() == [7, 8]


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000))
def test_aggregation_invariant_to_row_order_and_worker_names(seed: int) -> None:
    c = generate_crowd(40, 8, 3, 3, spammer_frac=0.25, seed=seed % 50)
    df = c.to_frame()[["task", "worker", "label"]]
    shuffled = df.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    shuffled["worker"] = "renamed-" + shuffled["worker"]
    for method in ("mv", "ds", "onecoin"):
        a = aggregate(df, method).to_frame().set_index("task").sort_index()
        b = aggregate(shuffled, method).to_frame().set_index("task").sort_index()
        assert (a["label"] == b["label"]).all()
        np.testing.assert_allclose(a["confidence"], b["confidence"], atol=1e-6)


@settings(max_examples=20, deadline=None)
@given(st.lists(st.sampled_from(["A", "B", "C"]), min_size=1, max_size=15), st.integers(1, 4))
def test_unanimous_labels_are_returned_with_full_confidence(truth: list[str], n_workers: int) -> None:
    df = pd.DataFrame([(t, w, lab) for t, lab in enumerate(truth) for w in range(n_workers)],
                      columns=["task", "worker", "label"])
    for method in ("mv", "ds"):
        res = aggregate(df, method)
        assert res.labels.tolist() == truth
        assert res.confidence.min() > 0.99


# -------------------------------------------------------------------- crowd-kit models and the shim
def test_crowdkit_compat_shim_makes_wawa_zbs_goldmv_run(crowd_df: pd.DataFrame, crowd) -> None:
    import crowdkit.aggregation as cka

    with pytest.raises(AttributeError, match="__sklearn_tags__"):  # the upstream bug we work around
        cka.Wawa().fit_predict(crowd_df)
    gold = {f"t{t}": f"L{crowd.truth[t]}" for t in range(0, crowd.n_tasks, 2)}  # crowd-kit: all workers need gold
    for res in (wawa(crowd_df), zero_based_skill(crowd_df, n_iter=10), gold_majority_vote(crowd_df, gold)):
        assert len(res) == crowd.n_tasks
        assert (res.label_codes == crowd.truth).mean() > 0.7
        assert np.all((res.confidence > 0) & (res.confidence <= 1))


def test_glad_and_mace_run_and_are_accurate(crowd) -> None:
    small = generate_crowd(150, 10, 5, 2, spammer_frac=0.2, seed=4)
    df = small.to_frame()[["task", "worker", "label"]]
    for res in (glad(df, n_iter=20), mace(df, n_restarts=2, n_iter=20)):
        assert (res.label_codes == small.truth).mean() > 0.85
        np.testing.assert_allclose(res.probas.sum(axis=1), 1.0, atol=1e-6)


def test_aggregate_rejects_unknown_method(crowd_df: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="unknown method"):
        aggregate(crowd_df, "magic")


# -------------------------------------------------------------------- other modalities
def test_bradley_terry_orders_items() -> None:
    rows = [("w1", "a", "b", "a"), ("w2", "a", "b", "a"), ("w1", "b", "c", "b"), ("w2", "b", "c", "b"),
            ("w3", "a", "c", "a"), ("w3", "c", "b", "b"), ("w1", "a", "c", "a"), ("w2", "b", "a", "a")]
    df = pd.DataFrame(rows, columns=["worker", "left", "right", "label"])
    out = bradley_terry(df)
    assert out["item"].tolist() == ["a", "b", "c"]
    assert out["score"].is_monotonic_decreasing
    with pytest.raises(ValueError, match="neither left nor right"):
        bradley_terry(df.assign(label="zzz"))


def test_rover_chinese_characters() -> None:
    df = pd.DataFrame({"task": [1, 1, 1, 2, 2, 2], "worker": list("abcabc"),
                       "text": ["我爱北京", "我爱北京", "我受北京", "the cat sat", "the cat sat", "a cat sat"]})
    out = rover(df).set_index("task")
    assert out.loc[1, "text"] == "我爱北京"
    assert out.loc[2, "text"] == "the cat sat"
    assert 0.8 < out.loc[1, "confidence"] < 1.0


def test_box_aggregation_majority_and_median() -> None:
    df = pd.DataFrame({
        "task": [1] * 4, "worker": ["a", "b", "c", "c"],
        "x": [0, 2, 1, 100], "y": [0, 0, 1, 100], "width": [10, 10, 10, 5], "height": [10, 10, 10, 5],
        "label": ["car"] * 4,
    })
    out = aggregate_boxes(df)
    assert len(out) == 1  # the stray box drawn only by c is dropped
    row = out.iloc[0]
    assert (row["x"], row["y"], row["width"], row["confidence"]) == (1.0, 0.0, 10.0, 1.0)


def test_encoding_mixed_and_chinese_labels_round_trip() -> None:
    df = pd.DataFrame({"task": ["一", "二", "三"], "worker": ["w", "w", "w"], "label": [3, "好", 1]})
    enc = encode(df)
    assert isinstance(enc, Encoded)
    assert list(enc.labels) == [1, 3, "好"]  # numbers first (by value), then strings
    assert list(enc.labels[enc.label]) == [3, "好", 1]
    with pytest.raises(ValueError, match="missing required column"):
        encode(df.drop(columns="worker"))


@pytest.mark.slow
def test_million_tasks_five_workers_in_seconds() -> None:
    import time

    c = generate_crowd(1_000_000, 5, 5, 2, seed=0)
    enc = c.encoded()
    t0 = time.perf_counter()
    mv = majority_vote(enc, keep_probas=False)
    t1 = time.perf_counter()
    ds = dawid_skene(enc)
    t2 = time.perf_counter()
    assert t1 - t0 < 5 and t2 - t1 < 60
    assert (ds.label_codes == c.truth).mean() >= (mv.label_codes == c.truth).mean() - 0.01
