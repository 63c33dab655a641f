"""0305 model fitness: does the dataset teach a quick baseline anything beyond chance?

A char n-gram TF-IDF + logistic regression (works for Chinese, no tokenizer) is trained on a held-out
split, and the same pipeline on shuffled labels is the control. X is the skill score
(F1 − F1_control) ÷ (1 − F1_control): 100 means perfect, 0 means no better than the shuffled control.
A reservoir sample keeps memory and time bounded whatever the dataset size.
"""

from __future__ import annotations

import random
import warnings
from collections import Counter

import numpy as np

from crowdset.datasets.evaluate.context import Ctx
from crowdset.datasets.evaluate.flat import FlatBatch
from crowdset.datasets.evaluate.records import Rec
from crowdset.datasets.evaluate.result import IndicatorResult, not_applicable

MIN_RECORDS = 20
METHOD = ("skill score of macro-F1: char 1–2-gram TF-IDF + logistic regression (saga) vs the same baseline trained on "
          "shuffled labels, on a held-out split: (F1 − F1_control) ÷ (1 − F1_control)")


class FitnessCheck:
    def __init__(self, ctx: Ctx) -> None:
        f = ctx.profile.fitness
        self.cap = int(f.get("max_samples", 4000))
        self.test_size = float(f.get("test_size", 0.25))
        self.seed = int(f.get("seed", 0))
        self.rng = random.Random(self.seed)
        self.sample: list[tuple[str, str]] = []
        self.seen = 0

    def update(self, batch: list[Rec], ctx: Ctx) -> None:
        for r in batch:
            if r.error or not r.texts or not r.labels or len(r.labels) != 1:
                continue
            self.seen += 1
            # the item is built only when the reservoir keeps it (same draws, same sample)
            if len(self.sample) < self.cap:
                self.sample.append((r.text[:2000], r.labels[0]))
            else:
                j = self.rng.randrange(self.seen)
                if j < self.cap:
                    self.sample[j] = (r.text[:2000], r.labels[0])

    def update_flat(self, fb: FlatBatch, ctx: Ctx) -> None:
        for j, lab in enumerate(fb.lab):  # a flat record carries at most one label
            if lab is None or not fb.texts[j]:
                continue
            self.seen += 1
            if len(self.sample) < self.cap:
                self.sample.append((fb.text[j][:2000], lab))
            else:
                k = self.rng.randrange(self.seen)
                if k < self.cap:
                    self.sample[k] = (fb.text[j][:2000], lab)

    def finish(self, ctx: Ctx) -> list[IndicatorResult]:
        if ctx.labelled_records == 0:
            return [not_applicable("0305", METHOD, "dataset carries no labels")]
        if ctx.single_label_records < 0.8 * ctx.labelled_records:
            return [not_applicable("0305", METHOD, "not a single-label classification dataset (multi-label, spans "
                                   "or boxes); the quick baseline covers text classification only")]
        counts = Counter(lab for _, lab in self.sample)
        keep = {lab for lab, c in counts.items() if c >= 2}
        data = [(t, lab) for t, lab in self.sample if lab in keep]
        if len(keep) < 2 or len(data) < MIN_RECORDS:
            return [not_applicable("0305", METHOD, f"needs ≥ {MIN_RECORDS} text records over ≥ 2 classes with ≥ 2 "
                                   "examples each")]
        return [self._run(data)]

    def _run(self, data: list[tuple[str, str]]) -> IndicatorResult:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import f1_score
        from sklearn.model_selection import train_test_split

        texts = [t for t, _ in data]
        labels = [lab for _, lab in data]
        n_classes = len(set(labels))
        test_n = max(n_classes, int(round(len(data) * self.test_size)))
        x_tr, x_te, y_tr, y_te = train_test_split(texts, labels, test_size=test_n, random_state=self.seed,
                                                  stratify=labels)
        vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 2), max_features=20_000, sublinear_tf=True,
                              dtype=np.float32)
        a_tr = vec.fit_transform(x_tr)
        a_te = vec.transform(x_te)

        def fit_f1(y: list[str]) -> float:
            if len(set(y)) < 2:
                return 0.0
            # saga on sparse TF-IDF converges in a few epochs; lbfgs was 10x slower for the same F1
            clf = LogisticRegression(C=4.0, solver="saga", max_iter=50, tol=1e-3, random_state=self.seed)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                clf.fit(a_tr, y)
            return float(f1_score(y_te, clf.predict(a_te), average="macro", zero_division=0))

        f1 = fit_f1(y_tr)
        shuffled = list(y_tr)
        random.Random(self.seed + 1).shuffle(shuffled)
        f1c = fit_f1(shuffled)
        extra = {"f1": round(f1, 4), "control_f1": round(f1c, 4), "f1_difference": round(f1 - f1c, 4),
                 "sample_size": len(data), "test_size": len(y_te), "classes": n_classes, "seed": self.seed}
        if f1c >= 1.0:
            return not_applicable("0305", METHOD, "shuffled-label control is already perfect", **extra)
        return IndicatorResult("0305", round(max(0.0, f1 - f1c), 4), round(1.0 - f1c, 4), METHOD, [], None, extra)
