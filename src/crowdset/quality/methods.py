"""The names of the aggregation methods, apart from the algorithms: forms, pages and request checks
need the list without loading pandas, SciPy and the algorithms themselves."""

#: Methods accepted by :func:`crowdset.quality.aggregation.aggregate` (and ``crowdset quality aggregate
#: --method``), except ``bt`` which works on pairwise data, see ``bradley_terry``.
CLASSIFICATION_METHODS = ("mv", "wmv", "ds", "onecoin", "glad", "mace", "wawa", "zbs")
