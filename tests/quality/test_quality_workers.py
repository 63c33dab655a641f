"""Annotator scoring, spam flags, label issues and the synthetic generator."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crowdset.quality.aggregation import dawid_skene
from crowdset.quality.label_issues import find_label_issues
from crowdset.quality.synthetic import generate_crowd
from crowdset.quality.workers import score_workers, spammer_scores, wilson_interval, worker_confusion_matrices


def test_wilson_interval_reference_values() -> None:
    # Wilson 95% interval for 8/10 (e.g. Newcombe 1998; statsmodels proportion_confint(method="wilson"))
    lo, hi = wilson_interval([8, 0, 10], [10, 10, 10])
    np.testing.assert_allclose(lo, [0.49016, 0.0, 0.72247], atol=1e-5)
    np.testing.assert_allclose(hi, [0.94332, 0.27753, 1.0], atol=1e-5)
    lo0, hi0 = wilson_interval(0, 0)
    assert np.isnan(lo0) and np.isnan(hi0)


@pytest.fixture(scope="module")
def noisy_crowd():
    return generate_crowd(600, 20, 5, 3, spammer_frac=0.2, constant_frac=0.1, adversary_frac=0.1,
                          gold_frac=0.1, seed=3)


def test_spam_flags_match_worker_kinds(noisy_crowd) -> None:
    c = noisy_crowd
    scores = score_workers(c.to_frame(), gold=c.gold()).set_index("worker")
    kind = pd.Series({f"w{i}": k for i, k in enumerate(c.worker_kind)})
    scores = scores.join(kind.rename("kind"))
    good = scores[scores["kind"] == "good"]
    assert not good["is_spam"].any(), good[good["is_spam"]]["spam_reason"]
    assert scores.loc[scores["kind"] != "good", "is_spam"].all()
    const = scores[scores["kind"] == "constant"]["spam_reason"]
    assert const.str.contains("constant answers").all()
    spam = scores[scores["kind"] == "spammer"]["spam_reason"]
    assert spam.str.contains("independent of the truth").all()
    assert spam.str.contains("short lead times").all()
    adv = scores[scores["kind"] == "adversary"]["spam_reason"]
    assert adv.str.contains("below chance|disagrees with consensus").all()
    assert ((good["gold_ci_low"] <= good["gold_accuracy"]).all()
            and (good["gold_accuracy"] <= good["gold_ci_high"]).all())
    assert good["spammer_score"].min() > scores.loc[scores["kind"] == "spammer", "spammer_score"].max()


def test_score_workers_hand_computed() -> None:
    df = pd.DataFrame({
        "task": ["g", "g", "t", "t", "u", "u"], "worker": ["a", "b"] * 3, "label": ["x", "y", "x", "x", "y", "y"],
        "lead_time": [4.0, 6.0, 5.0, 7.0, 6.0, 8.0],
    })
    s = score_workers(df, gold={"g": "x"}).set_index("worker")
    assert s.loc["a", "n_gold"] == 1 and s.loc["a", "gold_accuracy"] == 1.0
    assert s.loc["b", "gold_accuracy"] == 0.0
    assert s.loc["a", "median_lead_time"] == 5.0 and s.loc["b", "median_lead_time"] == 7.0
    assert s.loc["a", "consensus_agreement"] == 1.0  # gold pins g to x, the rest are unanimous
    assert s.loc["b", "consensus_agreement"] == pytest.approx(2 / 3)
    assert not s["is_spam"].any()  # too little evidence to call anyone a spammer


def test_confusion_matrices_from_dawid_skene(noisy_crowd) -> None:
    c = noisy_crowd
    enc = c.encoded()
    res = dawid_skene(enc)
    cms = worker_confusion_matrices(enc, result=res)
    assert len(cms) == c.n_workers
    for w, cm in cms.items():
        np.testing.assert_allclose(cm.sum(axis=1), 1.0, atol=1e-9)
        if c.worker_kind[w] == "good":  # estimated diagonal tracks the simulated one
            assert np.abs(np.diag(cm.to_numpy()) - np.diag(c.confusion[w])).max() < 0.2
    s = spammer_scores(res.extras["errors"])
    assert s.shape == (c.n_workers,) and np.all((s >= 0) & (s <= 1))


def test_find_label_issues_ranks_flipped_labels_first() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 300)
    probs = np.eye(3)[y] * 0.8 + 0.2 / 3
    noisy = y.copy()
    noisy[:20] = (y[:20] + 1) % 3
    names = np.array(["猫", "狗", "鸟"])
    out = find_label_issues(names[noisy], probs, classes=list(names), task_ids=[f"t{i}" for i in range(300)])
    assert set(out["task"]) == {f"t{i}" for i in range(20)}
    assert out["rank"].tolist() == list(range(1, 21))
    assert out["label_quality"].is_monotonic_increasing
    truth = names[y[[int(t[1:]) for t in out["task"]]]]
    assert (out["predicted_label"].to_numpy() == truth).all()
    assert (out["given_label"].to_numpy() != truth).all()
    with pytest.raises(ValueError, match="not one of the classes"):
        find_label_issues(["cat", "dog"], np.eye(2), classes=["cat", "cow"])


def test_synthetic_generator_is_seedable_and_consistent() -> None:
    a = generate_crowd(200, 12, 4, 3, spammer_frac=0.25, seed=9)
    b = generate_crowd(200, 12, 4, 3, spammer_frac=0.25, seed=9)
    np.testing.assert_array_equal(a.label, b.label)
    assert len(a.task) == 800 and a.worker_kind.count("spammer") == 3
    per_task = pd.DataFrame({"t": a.task, "w": a.worker})
    assert not per_task.duplicated().any()  # distinct workers per task
    np.testing.assert_allclose(a.confusion.sum(axis=2), 1.0)
    good = [i for i, k in enumerate(a.worker_kind) if k == "good"]
    acc = (a.label == a.truth[a.task])[np.isin(a.worker, good)].mean()
    assert 0.65 < acc < 0.95
    assert len(a.gold()) == 10
