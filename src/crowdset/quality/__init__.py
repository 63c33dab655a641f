"""Quality control engine: agreement, label aggregation, annotator scoring and label-error detection.

Pure computation -- no database or web imports -- so the API and jobs layers can call it directly:

* :mod:`.agreement` -- kappa / alpha / percent agreement, span, box, ranking and transcription agreement;
* :mod:`.aggregation` -- majority vote, Dawid-Skene, GLAD, MACE, ROVER, Bradley-Terry, box aggregation;
* :mod:`.workers` -- per-annotator accuracy, consensus agreement, confusion matrices, spam flags;
* :mod:`.label_issues` -- rank likely label errors with cleanlab;
* :mod:`.synthetic` -- seedable synthetic crowds; :mod:`.io` -- reading LABELS files;
* :mod:`.cli` -- the ``crowdset quality`` Typer app.
"""
