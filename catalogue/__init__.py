"""The intervention catalogue: recruit / retain / return / enable, with target groups, evidence, cost and sources."""

from catalogue.catalogue import Catalogue, UnknownIntervention, related_passages
from catalogue.comparison import MAX_COMPARE, MIN_COMPARE, CompareError, Comparison
from catalogue.filtering import FACETS, FilterError, FilterResult, Query
from catalogue.gaps import GapMap
from catalogue.loading import Problem, Record, catalogue_files
from catalogue.schema import Cost, Evidence, ExternalSource, Intervention, KbSource

__all__ = [
    "FACETS",
    "MAX_COMPARE",
    "MIN_COMPARE",
    "Catalogue",
    "CompareError",
    "Comparison",
    "Cost",
    "Evidence",
    "ExternalSource",
    "FilterError",
    "FilterResult",
    "GapMap",
    "Intervention",
    "KbSource",
    "Problem",
    "Query",
    "Record",
    "UnknownIntervention",
    "catalogue_files",
    "related_passages",
]
