"""Label schemas (typed controls) and validation of annotation results, per docs/label-schemas.md.

Import from here: `from crowdset.annotation.label_schema import LabelSchema, validate_result, SchemaError`.
Kinds are registered by the sibling modules on import; plugins add more with `register_kind`.
"""

from crowdset.annotation.label_schema._core import (
    Control,
    ErrorList,
    KindSpec,
    LabelList,
    LabelSchema,
    ResultContext,
    Scale,
    SchemaError,
    classification_value,
    control_labels,
    get_kind,
    register_kind,
    registered_kinds,
    unregister_kind,
    validate_result,
)
from crowdset.annotation.label_schema.classify import (
    ChoicesControl,
    PairwiseControl,
    RankingControl,
    RatingControl,
)
from crowdset.annotation.label_schema.media import (
    AudioSegmentsControl,
    BboxControl,
    ImageTextAlignmentControl,
    KeypointsControl,
    PolygonControl,
    VideoSegmentsControl,
)
from crowdset.annotation.label_schema.review import CotReviewControl
from crowdset.annotation.label_schema.text import (
    KgTriplesControl,
    RelationsControl,
    SpansControl,
    TranscriptionControl,
)

__all__ = [
    "AudioSegmentsControl",
    "BboxControl",
    "ChoicesControl",
    "Control",
    "CotReviewControl",
    "ErrorList",
    "ImageTextAlignmentControl",
    "KeypointsControl",
    "KgTriplesControl",
    "KindSpec",
    "LabelList",
    "LabelSchema",
    "PairwiseControl",
    "PolygonControl",
    "RankingControl",
    "RatingControl",
    "RelationsControl",
    "ResultContext",
    "Scale",
    "SchemaError",
    "SpansControl",
    "TranscriptionControl",
    "VideoSegmentsControl",
    "classification_value",
    "control_labels",
    "get_kind",
    "register_kind",
    "registered_kinds",
    "unregister_kind",
    "validate_result",
]
