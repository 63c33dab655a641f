"""Text aggregation with ROVER (via crowd-kit's ``ROVER``).

J. G. Fiscus, "A post-processing system to yield reduced word error rates: Recognizer Output Voting Error
Reduction (ROVER)", IEEE ASRU 1997. https://doi.org/10.1109/ASRU.1997.659110
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from ..agreement import transcription_agreement


def _has_cjk(texts: pd.Series) -> bool:
    return bool(texts.astype(str).str.contains(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]", regex=True).any())


def rover(
    data: pd.DataFrame, *, tokenization: Literal["auto", "word", "char"] = "auto", text: str = "text"
) -> pd.DataFrame:
    """Aggregate transcriptions per task: returns ``task, text, confidence``.

    ``tokenization='auto'`` aligns characters when the input contains CJK text (no spaces between words),
    words otherwise. Confidence = mean character agreement (1 - CER) between the result and the inputs.
    """
    from crowdkit.aggregation import ROVER

    if text not in data.columns or "task" not in data.columns or "worker" not in data.columns:
        raise ValueError(f"text data needs columns task, worker, {text}")
    df = data[["task", "worker", text]].rename(columns={text: "text"}).astype({"text": str})
    mode = ("char" if _has_cjk(df["text"]) else "word") if tokenization == "auto" else tokenization
    if mode == "char":
        model = ROVER(tokenizer=list, detokenizer="".join)
    else:
        model = ROVER(tokenizer=lambda s: s.split(" "), detokenizer=" ".join)
    agg = model.fit_predict(df)
    joined = df.join(agg.rename("agg"), on="task")
    joined["agree"] = [transcription_agreement(a, b) for a, b in zip(joined["agg"], joined["text"], strict=True)]
    conf = joined.groupby("task", sort=False)["agree"].mean()
    order = pd.unique(df["task"])
    return pd.DataFrame({"task": order, "text": agg.reindex(order).to_numpy(),
                         "confidence": conf.reindex(order).to_numpy(np.float64)})
