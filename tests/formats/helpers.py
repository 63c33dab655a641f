"""Shared test data for the format tests: a schema covering every Label Studio-mappable kind."""

SCHEMA = {"controls": [
    {"name": "sentiment", "kind": "choices", "to": "text", "options": ["正面", "负面", "中性"], "multiple": False},
    {"name": "entities", "kind": "spans", "to": "text", "labels": ["PER", "ORG", "LOC"]},
    {"name": "rels", "kind": "relations", "spans": "entities", "labels": ["works_for"]},
    {"name": "boxes", "kind": "bbox", "to": "image", "labels": ["car", "person"]},
    {"name": "outline", "kind": "polygon", "to": "image", "labels": ["car", "road"]},
    {"name": "points", "kind": "keypoints", "to": "image", "labels": ["head"]},
    {"name": "segments", "kind": "audio_segments", "to": "audio", "labels": ["speech", "noise"], "transcribe": True},
    {"name": "actions", "kind": "video_segments", "to": "video", "labels": ["running"], "fps": 25},
    {"name": "quality", "kind": "rating", "min": 1, "max": 5, "to": "question"},
    {"name": "compare", "kind": "pairwise", "to": ["left", "right"], "allow_tie": False},
    {"name": "notes", "kind": "transcription", "to": "question"},
    {"name": "rank", "kind": "ranking", "to": "answers"},
]}

FIXTURES = __import__("pathlib").Path(__file__).parent / "fixtures"


def record(id, data, results=(), final=None, is_gold=False, **extra):  # noqa: A002 - mirrors the record key
    """An exported task record as the export service yields it."""
    anns = [{"id": 100 * id + i, "annotator": f"w{i}", "result": r, "lead_time": 1.0, "created_at": None,
             "reviews": []} for i, r in enumerate(results)]
    return {"id": id, "data": data, "is_gold": is_gold, "annotations": anns, "predictions": [], "final": final,
            **extra}
