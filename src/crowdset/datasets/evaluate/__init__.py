"""Dataset evaluation toolset (pure: no database, no web): indicators 0101–0305, scoring, reports.

Entry points: ``evaluate_path`` (files), ``evaluate_records`` (in-memory records), ``render`` (json/md/html).
"""

from crowdset.datasets.evaluate.engine import evaluate_path, evaluate_records
from crowdset.datasets.evaluate.profiles import Profile, ProfileError, available_profiles, load_profile
from crowdset.datasets.evaluate.readers import ReadError
from crowdset.datasets.evaluate.render import render
from crowdset.datasets.evaluate.scoring import dimension_scores, grade

__all__ = ["Profile", "ProfileError", "ReadError", "available_profiles", "dimension_scores", "evaluate_path",
           "evaluate_records", "grade", "load_profile", "render"]
