"""Catalogue text search that finds Chinese substrings on both databases.

Chinese has no spaces, so word tokenisers see "医疗影像数据集" as one token and a search for "医疗"
finds nothing. What we do instead:

- Every dataset keeps ``search_text``: its searchable fields, NFKC-normalised and case-folded.
- SQLite: ``search_text LIKE '%term%'`` for each term. We tried FTS5 with the trigram tokenizer:
  it cannot MATCH terms shorter than three characters (most Chinese search words are two: 医疗,
  金融, 交通), so LIKE would still be needed; and its virtual table plus five shadow tables show up
  as differences to Alembic's autogenerate (every later ``--autogenerate`` would try to drop them).
  A catalogue holds thousands of rows, not millions, so the scan costs milliseconds.
- PostgreSQL: ``search_tsv`` is ``to_tsvector('simple', tokens)`` where tokens are Latin words
  plus every CJK character and character bigram, behind a GIN index; a query becomes the AND of its
  own tokens (bigrams for CJK runs, prefix match for Latin words), then ``search_text LIKE`` keeps
  only exact substrings (bigrams of "医疗影像" may occur apart).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from sqlalchemy import ColumnElement, and_, func, literal_column

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]+|[0-9a-z]+")
_IS_CJK = re.compile(rf"[{_CJK}]")


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").casefold()


def search_text(parts: Iterable[str | None]) -> str:
    """What a dataset is found by: its fields joined, normalised."""
    return "\n".join(normalise(p) for p in parts if p)


def tokens(text: str) -> list[str]:
    """Index tokens: Latin words, and for CJK runs every character and every bigram."""
    out: list[str] = []
    for run in _TOKEN.findall(normalise(text)):
        if _IS_CJK.match(run):
            out.extend(run)
            out.extend(run[i:i + 2] for i in range(len(run) - 1))
        else:
            out.append(run)
    return out


def query_tokens(term: str) -> list[str]:
    """Tokens a document must contain to hold ``term``: bigrams of CJK runs (the character itself
    for a one-character run), whole Latin words as prefixes."""
    out: list[str] = []
    for run in _TOKEN.findall(normalise(term)):
        if _IS_CJK.match(run):
            out.extend([run] if len(run) == 1 else [run[i:i + 2] for i in range(len(run) - 1)])
        else:
            out.append(run + ":*")
    return out


def terms(q: str) -> list[str]:
    return [t for t in normalise(q).split() if t]


def tsvector_expr(text: str) -> ColumnElement:
    return func.to_tsvector(literal_column("'simple'::regconfig"), " ".join(dict.fromkeys(tokens(text))))


def condition(q: str, text_col, tsv_col, dialect: str) -> ColumnElement | None:  # noqa: ANN001
    """A WHERE clause matching every whitespace-separated term of ``q`` as a substring."""
    parts: list[ColumnElement] = []
    for term in terms(q):
        like = text_col.contains(term, autoescape=True)
        toks = query_tokens(term) if dialect == "postgresql" else []
        if toks:
            tsq = func.to_tsquery(literal_column("'simple'::regconfig"), " & ".join(dict.fromkeys(toks)))
            parts.append(and_(tsv_col.op("@@")(tsq), like))
        else:
            parts.append(like)
    return and_(*parts) if parts else None
