"""Croissant 1.0 JSON-LD (MLCommons) for a dataset's newest version, with the RAI properties that
apply. Fields of the record set are inferred from the version's first records (the dominant JSON
type of each top-level key); nested values are described as JSON text.

``dataset_croissant`` is the use case (the API and the command line call it); ``build`` makes the document
from facts already gathered.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from crowdset.auth.models import User
from crowdset.datasets import policy
from crowdset.datasets.card import Facts, gather, pii_summary
from crowdset.datasets.models import DatasetVersion
from crowdset.datasets.rating import VALIDITY_MONTHS
from crowdset.datasets.versions import iter_records

CONFORMS_TO = "http://mlcommons.org/croissant/1.0"
CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}
SAMPLE = 1000


def _json_type(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "sc:Boolean"
    if isinstance(v, int):
        return "sc:Integer"
    if isinstance(v, float):
        return "sc:Float"
    return "sc:Text"


def infer_fields(records: Iterable[dict[str, Any]], limit: int = SAMPLE) -> list[tuple[str, str, bool]]:
    """(name, Croissant dataType, nested) per top-level key, in first-seen order."""
    types: dict[str, Counter] = {}
    nested: dict[str, bool] = {}
    for i, rec in enumerate(records):
        if i >= limit:
            break
        for k, v in rec.items():
            t = _json_type(v)
            types.setdefault(k, Counter())
            nested[k] = nested.get(k, False) or isinstance(v, (dict, list))
            if t is not None:
                types[k][t] += 1
    out = []
    for k, counter in types.items():
        kinds = set(counter)
        if kinds == {"sc:Integer", "sc:Float"}:
            dtype = "sc:Float"
        else:
            dtype = counter.most_common(1)[0][0] if counter else "sc:Text"
        out.append((k, dtype, nested[k]))
    return out


def _slug(name: str, seen: set[str]) -> str:
    base = re.sub(r"[^0-9A-Za-z_.-]+", "_", name).strip("_") or "field"
    slug, n = base, 1
    while slug in seen:
        n += 1
        slug = f"{base}_{n}"
    seen.add(slug)
    return slug


def _file_id(v: DatasetVersion) -> str:
    return re.sub(r"[^0-9A-Za-z_.-]+", "_", v.files[0]["name"]) or "data"


def dataset_croissant(s: Session, user: User | None, dataset_id: int, base_url: str = "") -> dict[str, Any]:
    """The Croissant document of a dataset the user may see, describing its newest version.
    ``base_url`` (the server's address) makes contentUrl absolute. The version's file is read only
    for the first records the fields are inferred from, and closed before this returns."""
    facts = gather(s, policy.get_dataset(s, user, dataset_id))
    if facts.newest is None:
        return build(facts, (), base_url)
    records = iter_records(facts.newest)
    try:
        return build(facts, records, base_url)
    finally:
        records.close()  # removes the temporary link to the blob (versions.readable)


def build(f: Facts, records: Iterable[dict[str, Any]], base_url: str = "") -> dict[str, Any]:
    """The Croissant document. ``base_url`` makes contentUrl absolute when the caller knows it."""
    ds, v, x = f.ds, f.newest, f.extra
    root = base_url.rstrip("/")
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": CONFORMS_TO,
        "name": ds.name,
        "description": ds.description or ds.name,
        "url": f"{root}/api/v1/datasets/{ds.id}",
        "license": ds.licence or "not documented",
        "creator": {"@type": "sc:Organization", "name": f.org_name},
        "isLiveDataset": False,
        "keywords": [k for k in (ds.domain, ds.kind, ds.modality, *(x.get("keywords") or [])) if k],
    }
    if x.get("cite_as"):
        doc["citeAs"] = str(x["cite_as"])
    if v is not None:
        fid = _file_id(v)
        doc["version"] = v.version
        doc["datePublished"] = v.created_at.date().isoformat()
        fl = v.files[0]
        doc["distribution"] = [{
            "@type": "cr:FileObject", "@id": fid, "name": fl["name"],
            "description": f"version {v.version}, {v.record_count} records",
            "contentUrl": f"{root}/api/v1/datasets/{ds.id}/versions/{v.version}/file",
            "contentSize": f"{fl['size']} B", "encodingFormat": fl["media_type"], "sha256": fl["sha256"],
        }]
        seen: set[str] = set()
        fields = []
        for name, dtype, nested in infer_fields(records):
            slug = _slug(name, seen)
            fld: dict[str, Any] = {"@type": "cr:Field", "@id": f"records/{slug}", "name": slug, "dataType": dtype,
                                   "source": {"fileObject": {"@id": fid}, "extract": {"column": name}}}
            if slug != name or nested:
                fld["description"] = f"column {name!r}" + (" (JSON value)" if nested else "")
            fields.append(fld)
        doc["recordSet"] = [{"@type": "cr:RecordSet", "@id": "records", "name": "records",
                             "description": f"one record per line of {fl['name']}", "field": fields}]
    rai = {
        "rai:dataCollection": "; ".join(p for p in (ds.collection_method, f"source: {ds.source}" if ds.source else "")
                                        if p),
        "rai:dataCollectionType": x.get("collection_type"),
        "rai:dataPreprocessingProtocol": x.get("processing"),
        "rai:dataAnnotationProtocol": "; ".join(p for p in (ds.annotation_method, x.get("annotation_spec")) if p),
        "rai:dataAnnotationPlatform": (
            "Crowdset" if v is not None and v.source_project_id else x.get("annotation_platform")),
        "rai:dataLimitations": ds.limitations,
        "rai:dataUseCases": ds.use_cases,
        "rai:dataBiases": x.get("biases"),
        "rai:dataSocialImpact": x.get("social_impact"),
        "rai:personalSensitiveInformation": pii_summary(f, zh=False),
        "rai:dataReleaseMaintenancePlan": (
            "Versions are immutable and identified by SHA-256; the quality rating is re-reviewed every "
            f"{VALIDITY_MONTHS[ds.reserve_tier]} months" if ds.reserve_tier in VALIDITY_MONTHS
            else "Versions are immutable and identified by SHA-256"),
    }
    doc.update({k: val for k, val in rai.items() if val})
    return doc
