"""Inter-annotator agreement.

Coefficients for categorical labels work on a long ``task, worker, label`` table (or its
:class:`~crowdset.quality._encoding.Encoded` form) through a sparse ``tasks x labels`` count matrix, so they
scale to millions of labels:

* Cohen's kappa (two annotators; optional linear/quadratic weights) -- J. Cohen, Educ. Psychol. Meas. 1960;
* Fleiss' kappa, generalised to a varying number of ratings per item -- J. L. Fleiss, Psychol. Bull. 1971;
* Krippendorff's alpha (nominal, ordinal, interval, ratio; missing data allowed) from the coincidence
  matrix -- K. Krippendorff, "Computing Krippendorff's Alpha-Reliability", 2011. Checked against the
  ``krippendorff`` package in the tests;
* percent agreement = mean over items of the share of agreeing rater pairs.

Structured annotations: span F1 (exact / overlap), box F1 after IoU matching, Kendall's tau for rankings,
and 1 - character error rate for transcriptions (Unicode characters, so Chinese works).

Undefined coefficients (e.g. kappa when every rating is the same class, so expected agreement is 1) are
returned as ``nan`` rather than guessed.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import ArrayLike
from scipy.optimize import linear_sum_assignment
from scipy.stats import kendalltau

from ._encoding import Encoded, FloatArray, encode, factorize

Level = Literal["nominal", "ordinal", "interval", "ratio"]


# --------------------------------------------------------------------------- categorical coefficients
def cohen_kappa(a: ArrayLike, b: ArrayLike, *, weights: Literal["linear", "quadratic"] | None = None) -> float:
    """Cohen's kappa between two annotators' labels on the same items (same order as sklearn's
    ``cohen_kappa_score``; weighted variants treat the sorted labels as ordinal)."""
    a_arr, b_arr = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
    if a_arr.shape != b_arr.shape or a_arr.ndim != 1:
        raise ValueError("a and b must be 1-d sequences of equal length")
    if len(a_arr) == 0:
        return float("nan")
    codes, uniques = factorize(np.concatenate([a_arr, b_arr]), sort=True)
    k = len(uniques)
    ca, cb = codes[: len(a_arr)], codes[len(a_arr):]
    conf = np.bincount(ca * k + cb, minlength=k * k).reshape(k, k).astype(np.float64)
    return _kappa_from_confusion(conf, weights)


def _kappa_from_confusion(conf: FloatArray, weights: str | None = None) -> float:
    k = conf.shape[0]
    n = conf.sum()
    expected = np.outer(conf.sum(axis=1), conf.sum(axis=0)) / n
    idx = np.arange(k)
    if weights is None:
        w = 1.0 - np.eye(k)
    elif weights == "linear":
        w = np.abs(idx[:, None] - idx[None, :]).astype(np.float64)
    elif weights == "quadratic":
        w = (idx[:, None] - idx[None, :]).astype(np.float64) ** 2
    else:
        raise ValueError(f"unknown weights {weights!r}")
    denom = (w * expected).sum()
    if denom == 0:
        return float("nan")
    return float(1.0 - (w * conf).sum() / denom)


def _as_counts(counts: Any) -> sp.csr_matrix:
    return counts.tocsr() if sp.issparse(counts) else sp.csr_matrix(np.asarray(counts, dtype=np.float64))


def fleiss_kappa(counts: Any) -> float:
    """Fleiss' kappa from an ``items x categories`` count matrix (dense or scipy.sparse).

    Items may have different numbers of ratings (the usual generalisation: per-item agreement is averaged
    over items with >= 2 ratings, category shares are pooled over those items); with a constant number of
    raters it equals Fleiss (1971).
    """
    m = _as_counts(counts)
    n_i = np.asarray(m.sum(axis=1)).ravel()
    keep = n_i >= 2
    if not keep.any():
        return float("nan")
    m, n_i = m[keep], n_i[keep]
    sq = np.asarray(m.multiply(m).sum(axis=1)).ravel()
    p_i = (sq - n_i) / (n_i * (n_i - 1))
    p_bar = p_i.mean()
    p_j = np.asarray(m.sum(axis=0)).ravel() / n_i.sum()
    p_e = float((p_j**2).sum())
    if p_e >= 1.0:
        return float("nan")
    return float((p_bar - p_e) / (1.0 - p_e))


def percent_agreement(counts: Any) -> float:
    """Mean over items (with >= 2 ratings) of the fraction of rater pairs that agree."""
    m = _as_counts(counts)
    n_i = np.asarray(m.sum(axis=1)).ravel()
    keep = n_i >= 2
    if not keep.any():
        return float("nan")
    m, n_i = m[keep], n_i[keep]
    sq = np.asarray(m.multiply(m).sum(axis=1)).ravel()
    return float(((sq - n_i) / (n_i * (n_i - 1))).mean())


def _delta2(level: Level, values: FloatArray, marginals: FloatArray) -> FloatArray:
    v = np.asarray(values, dtype=np.float64)
    k = len(marginals)
    if level == "nominal":
        return 1.0 - np.eye(k)
    if level == "interval":
        return (v[:, None] - v[None, :]) ** 2
    if level == "ratio":
        s = v[:, None] + v[None, :]
        with np.errstate(invalid="ignore", divide="ignore"):
            d = np.where(s != 0, (v[:, None] - v[None, :]) / np.where(s != 0, s, 1.0), 0.0)
        return d**2
    if level == "ordinal":
        cum = np.cumsum(marginals)
        lo = np.minimum.outer(np.arange(k), np.arange(k))
        hi = np.maximum.outer(np.arange(k), np.arange(k))
        between = cum[hi] - cum[lo] + marginals[lo]
        return (between - (marginals[:, None] + marginals[None, :]) / 2.0) ** 2
    raise ValueError(f"unknown level of measurement {level!r}")


def krippendorff_alpha_counts(counts: Any, values: ArrayLike | None = None, *, level: Level = "nominal") -> float:
    """Krippendorff's alpha from a ``units x values`` count matrix (the package's ``value_counts``).

    ``values`` are the numeric values of the columns (ascending; required for interval/ratio, defaults to
    0..k-1, and only their order matters for ordinal). Units with fewer than two ratings are not pairable
    and are ignored, which is how missing data is handled.
    """
    m = _as_counts(counts)
    m_u = np.asarray(m.sum(axis=1)).ravel()
    keep = m_u >= 2
    m, m_u = m[keep], m_u[keep]
    k = m.shape[1]
    if m.shape[0] == 0:
        return float("nan")
    scaled = sp.diags(1.0 / (m_u - 1.0)) @ m
    o = np.asarray((scaled.T @ m).todense()) - np.diag(np.asarray(scaled.sum(axis=0)).ravel())
    n_c = o.sum(axis=1)
    n = n_c.sum()
    vals = np.arange(k, dtype=np.float64) if values is None else np.asarray(values, dtype=np.float64)
    d2 = _delta2(level, vals, n_c)
    d_o = (o * d2).sum()
    d_e = (np.outer(n_c, n_c) * d2).sum() / (n - 1.0)
    if d_e == 0:
        return float("nan")
    return float(1.0 - d_o / d_e)


def krippendorff_alpha(reliability_data: ArrayLike, *, level: Level = "nominal") -> float:
    """Krippendorff's alpha from a ``raters x units`` matrix with ``nan`` for missing ratings (same layout
    as the ``krippendorff`` package). Values must be numeric; nominal values are just category ids."""
    data = np.asarray(reliability_data, dtype=np.float64)
    if data.ndim != 2:
        raise ValueError("reliability_data must be a 2-d raters x units matrix")
    unit = np.broadcast_to(np.arange(data.shape[1]), data.shape)
    ok = ~np.isnan(data)
    vals, codes = np.unique(data[ok], return_inverse=True)
    counts = sp.csr_matrix((np.ones(codes.size), (unit[ok], codes)), shape=(data.shape[1], len(vals)))
    return krippendorff_alpha_counts(counts, vals, level=level)


# --------------------------------------------------------------------------- long-table helpers
def label_counts(enc: Encoded, *, dedupe: bool = True) -> sp.csr_matrix:
    """Sparse ``tasks x labels`` count matrix; with ``dedupe`` a worker counts once per task (last answer)."""
    t, lab = enc.task, enc.label
    if dedupe and len(t):
        key = t * max(enc.n_workers, 1) + enc.worker
        _, last = np.unique(key[::-1], return_index=True)
        keep = len(key) - 1 - last
        t, lab = t[keep], lab[keep]
    return sp.csr_matrix((np.ones(len(t)), (t, lab)), shape=(enc.n_tasks, enc.n_labels))


def _numeric_values(labels: np.ndarray, level: Level) -> FloatArray | None:
    if level == "nominal":
        return None
    try:
        vals = np.asarray([float(x) for x in labels], dtype=np.float64)
    except (TypeError, ValueError):
        if level == "ordinal":
            return None  # sorted label order is the rank order
        raise ValueError(f"{level} alpha needs numeric labels") from None
    return vals


def krippendorff_alpha_long(data: pd.DataFrame | Encoded, *, level: Level = "nominal") -> float:
    """Krippendorff's alpha on a long ``task, worker, label`` table."""
    enc = encode(data)
    vals = _numeric_values(enc.labels, level)
    counts = label_counts(enc)
    if vals is not None:
        order = np.argsort(vals, kind="stable")
        counts, vals = counts[:, order], vals[order]
    return krippendorff_alpha_counts(counts, vals, level=level)


def per_label_agreement(data: pd.DataFrame | Encoded) -> pd.DataFrame:
    """One row per label: ``n`` ratings, ``specific_agreement`` (share of that label's ratings confirmed by
    another rater of the same item) and one-vs-rest Fleiss ``kappa``."""
    enc = encode(data)
    m = label_counts(enc)
    n_i = np.asarray(m.sum(axis=1)).ravel()
    keep = n_i >= 2
    mk, nk = m[keep], n_i[keep]
    rows = []
    for j, lab in enumerate(enc.labels):
        col = np.asarray(mk[:, j].todense()).ravel()
        denom = (col * (nk - 1)).sum()
        spec = float((col * (col - 1)).sum() / denom) if denom > 0 else float("nan")
        kappa = fleiss_kappa(np.column_stack([col, nk - col])) if len(col) else float("nan")
        rows.append({"label": lab, "n": int(np.asarray(m[:, j].sum())), "specific_agreement": spec, "kappa": kappa})
    return pd.DataFrame(rows, columns=["label", "n", "specific_agreement", "kappa"])


def per_pair_agreement(data: pd.DataFrame | Encoded, *, min_common: int = 1) -> pd.DataFrame:
    """One row per pair of workers with >= ``min_common`` shared tasks: ``n_common``, ``percent_agreement``
    and Cohen's ``kappa`` on the shared tasks (vectorised over all pairs)."""
    enc = encode(data)
    cols = ["worker_a", "worker_b", "n_common", "percent_agreement", "kappa"]
    if len(enc) == 0:
        return pd.DataFrame(columns=cols)
    k = enc.n_labels
    key = enc.task * enc.n_workers + enc.worker
    _, last = np.unique(key[::-1], return_index=True)
    keep = len(key) - 1 - last
    df = pd.DataFrame({"t": enc.task[keep], "w": enc.worker[keep], "l": enc.label[keep]})
    pairs = df.merge(df, on="t", suffixes=("a", "b"))
    pairs = pairs[pairs["wa"].to_numpy() < pairs["wb"].to_numpy()]
    if pairs.empty:
        return pd.DataFrame(columns=cols)
    pid, uniq = factorize(pairs["wa"].to_numpy() * enc.n_workers + pairs["wb"].to_numpy(), sort=True)
    n_pairs = len(uniq)
    conf = np.bincount(
        pid * k * k + pairs["la"].to_numpy() * k + pairs["lb"].to_numpy(), minlength=n_pairs * k * k
    ).reshape(n_pairs, k, k).astype(np.float64)
    n = conf.sum(axis=(1, 2))
    p_o = np.trace(conf, axis1=1, axis2=2) / n
    p_e = (conf.sum(axis=2) * conf.sum(axis=1)).sum(axis=1) / n**2
    with np.errstate(invalid="ignore", divide="ignore"):
        kappa = np.where(p_e < 1.0, (p_o - p_e) / (1.0 - p_e), np.nan)
    out = pd.DataFrame({
        "worker_a": enc.workers[uniq // enc.n_workers],
        "worker_b": enc.workers[uniq % enc.n_workers],
        "n_common": n.astype(np.int64),
        "percent_agreement": p_o,
        "kappa": kappa,
    })
    return out[out["n_common"] >= min_common].reset_index(drop=True)


@dataclass
class AgreementReport:
    """Everything ``crowdset quality agreement`` prints."""

    summary: dict[str, float | int]
    per_label: pd.DataFrame
    per_pair: pd.DataFrame


def agreement_report(
    data: pd.DataFrame | Encoded, *, level: Level = "nominal", min_common: int = 1
) -> AgreementReport:
    """Overall coefficients plus per-label and per-pair tables for a long label table."""
    enc = encode(data)
    counts = label_counts(enc)
    summary: dict[str, float | int] = {
        "n_labels_given": len(enc),
        "n_tasks": enc.n_tasks,
        "n_workers": enc.n_workers,
        "n_classes": enc.n_labels,
        "percent_agreement": percent_agreement(counts),
        "fleiss_kappa": fleiss_kappa(counts),
        "krippendorff_alpha": krippendorff_alpha_long(enc, level=level),
    }
    if enc.n_workers == 2:
        pp = per_pair_agreement(enc)
        summary["cohen_kappa"] = float(pp["kappa"].iloc[0]) if len(pp) else float("nan")
    return AgreementReport(summary, per_label_agreement(enc), per_pair_agreement(enc, min_common=min_common))


# --------------------------------------------------------------------------- spans
def _span_tuple(s: Mapping[str, Any] | Sequence[Any]) -> tuple[int, int, Any]:
    if isinstance(s, Mapping):
        return int(s["start"]), int(s["end"]), s.get("label")
    start, end, *rest = s
    return int(start), int(end), rest[0] if rest else None


def _f1(matched: int, n_a: int, n_b: int) -> dict[str, float]:
    if n_a == 0 and n_b == 0:
        return {"precision": 1.0, "recall": 1.0, "f1": 1.0, "matched": 0, "n_a": 0, "n_b": 0}
    p = matched / n_b if n_b else 0.0
    r = matched / n_a if n_a else 0.0
    return {"precision": p, "recall": r, "f1": 2.0 * matched / (n_a + n_b), "matched": matched, "n_a": n_a, "n_b": n_b}


def span_agreement(
    spans_a: Iterable[Mapping[str, Any]], spans_b: Iterable[Mapping[str, Any]], *,
    mode: Literal["exact", "overlap"] = "exact",
) -> dict[str, float]:
    """F1 between two annotators' spans ``{start, end, label}`` (end exclusive), treating A as reference.

    ``exact``: a span matches only an identical (start, end, label). ``overlap``: same label and at least one
    shared character, matched one-to-one maximising total overlap. Returns precision, recall, f1 (symmetric:
    2 * matched / (|A| + |B|)); two empty lists agree perfectly.
    """
    a = [_span_tuple(s) for s in spans_a]
    b = [_span_tuple(s) for s in spans_b]
    if mode == "exact":
        matched = sum((Counter(a) & Counter(b)).values())
    elif mode == "overlap":
        matched = 0
        if a and b:
            sa, sb = np.array([s[:2] for s in a]), np.array([s[:2] for s in b])
            ov = np.minimum(sa[:, None, 1], sb[None, :, 1]) - np.maximum(sa[:, None, 0], sb[None, :, 0])
            same = np.array([[x[2] == y[2] for y in b] for x in a])
            ov = np.where(same, np.maximum(ov, 0), 0)
            r, c = linear_sum_assignment(-ov)
            matched = int((ov[r, c] > 0).sum())
    else:
        raise ValueError(f"unknown mode {mode!r}")
    return _f1(matched, len(a), len(b))


# --------------------------------------------------------------------------- boxes
def iou_matrix(a: ArrayLike, b: ArrayLike) -> FloatArray:
    """Pairwise IoU of boxes given as rows ``x, y, width, height``."""
    a_arr = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b_arr = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    ax2, ay2 = a_arr[:, 0] + a_arr[:, 2], a_arr[:, 1] + a_arr[:, 3]
    bx2, by2 = b_arr[:, 0] + b_arr[:, 2], b_arr[:, 1] + b_arr[:, 3]
    iw = np.clip(np.minimum(ax2[:, None], bx2[None]) - np.maximum(a_arr[:, None, 0], b_arr[None, :, 0]), 0, None)
    ih = np.clip(np.minimum(ay2[:, None], by2[None]) - np.maximum(a_arr[:, None, 1], b_arr[None, :, 1]), 0, None)
    inter = iw * ih
    union = (a_arr[:, 2] * a_arr[:, 3])[:, None] + (b_arr[:, 2] * b_arr[:, 3])[None] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def _box_rows(boxes: Iterable[Any]) -> tuple[FloatArray, list[Any]]:
    coords, labels = [], []
    for bx in boxes:
        if isinstance(bx, Mapping):
            coords.append([bx["x"], bx["y"], bx["width"], bx["height"]])
            labels.append(bx.get("label"))
        else:
            coords.append(list(bx)[:4])
            labels.append(list(bx)[4] if len(bx) > 4 else None)
    return np.asarray(coords, dtype=np.float64).reshape(-1, 4), labels


def box_agreement(
    boxes_a: Iterable[Any], boxes_b: Iterable[Any], *, iou_threshold: float = 0.5
) -> dict[str, float]:
    """F1 between two annotators' boxes (``{x, y, width, height[, label]}`` or tuples): boxes are matched
    one-to-one maximising IoU (Hungarian), labels must agree, and a match counts when IoU >= threshold.
    Also returns ``mean_iou`` over counted matches."""
    ca, la = _box_rows(boxes_a)
    cb, lb = _box_rows(boxes_b)
    matched, mean_iou = 0, float("nan")
    if len(ca) and len(cb):
        iou = iou_matrix(ca, cb)
        iou = np.where(np.array([[x == y for y in lb] for x in la]), iou, 0.0)
        r, c = linear_sum_assignment(-iou)
        good = iou[r, c] >= iou_threshold
        matched = int(good.sum())
        if matched:
            mean_iou = float(iou[r, c][good].mean())
    out = _f1(matched, len(ca), len(cb))
    out["mean_iou"] = mean_iou if (len(ca) or len(cb)) else 1.0
    return out


# --------------------------------------------------------------------------- rankings and texts
def ranking_agreement(order_a: Sequence[Any], order_b: Sequence[Any]) -> float:
    """Kendall's tau-b between two rankings given as item orders (best first), on their common items."""
    pos_b = {item: i for i, item in enumerate(order_b)}
    common = [(i, pos_b[item]) for i, item in enumerate(order_a) if item in pos_b]
    if len(common) < 2:
        return float("nan")
    x, y = zip(*common, strict=True)
    return float(kendalltau(x, y).statistic)


def edit_distance(a: Sequence[Any], b: Sequence[Any]) -> int:
    """Levenshtein distance (unit costs) over characters / tokens; one numpy pass per row of ``a``."""
    if len(a) < len(b):
        a, b = b, a
    if len(b) == 0:
        return len(a)
    _, codes = np.unique(np.array(list(a) + list(b), dtype=object).astype(str), return_inverse=True)
    ca, cb = codes[: len(a)], codes[len(a):]
    idx = np.arange(len(b) + 1)
    prev = idx.copy()
    for i, ch in enumerate(ca, start=1):
        cur = np.empty_like(prev)
        cur[0] = i
        cur[1:] = np.minimum(prev[1:] + 1, prev[:-1] + (cb != ch))
        # insertions: cur[j] = min(cur[j], cur[j-1] + 1) == running min of (cur - j) + j
        cur = np.minimum.accumulate(cur - idx) + idx
        prev = cur
    return int(prev[-1])


def character_error_rate(reference: str, hypothesis: str, *, normalize: bool = True) -> float:
    """CER = edit distance / len(reference) over Unicode characters (NFC-normalised by default)."""
    if normalize:
        reference, hypothesis = unicodedata.normalize("NFC", reference), unicodedata.normalize("NFC", hypothesis)
    if not reference:
        return 0.0 if not hypothesis else 1.0
    return edit_distance(reference, hypothesis) / len(reference)


def transcription_agreement(a: str, b: str, *, normalize: bool = True) -> float:
    """1 - CER, taking the longer text as the reference so the score is symmetric and within [0, 1]."""
    if normalize:
        a, b = unicodedata.normalize("NFC", a), unicodedata.normalize("NFC", b)
    longest = max(len(a), len(b))
    if longest == 0:
        return 1.0
    return 1.0 - edit_distance(a, b) / longest
