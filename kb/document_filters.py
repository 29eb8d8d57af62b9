"""Document filters, from one table: what a search may be restricted to.

Each row of `VALUE_FILTERS` names a filter once: its field on `Filters`, the metadata it reads, its
vocabulary, its CLI option and its Swedish label. Matching (`matches`), validation (`validate`), the
counts shown beside each value (`document_counts`), the CLI's options (`vkb_cli.filter_options`) and
the Sök page's sidebar are generated from it; `YEARS` is the one range filter. A new document filter
is a field on `Filters` and a row here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from types import MappingProxyType

from kb.errors import UsageError
from kb.records import DocumentMetadata, DocumentRecord
from kb.vocabulary import DOC_TYPE_LABELS, DOC_TYPES, STAKEHOLDER_LABELS, STAKEHOLDERS


class SearchError(UsageError, ValueError):
    """The search request cannot be run as given."""


class UnknownFilterValue(SearchError):
    def __init__(self, field_name: str, value: str, allowed: Sequence[str]) -> None:
        shown = ", ".join(allowed[:25]) + (f", … ({len(allowed)} in all)" if len(allowed) > 25 else "")
        super().__init__(f"unknown {field_name} {value!r}; allowed: {shown}")
        self.field = field_name
        self.value = value
        self.allowed = tuple(allowed)


@dataclass(frozen=True)
class Filters:
    """What to search among. Empty tuples and None mean no restriction; values of one filter are
    alternatives (or), different filters must all hold (and)."""

    doc_types: tuple[str, ...] = ()
    stakeholders: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None

    @property
    def empty(self) -> bool:
        return self == Filters()


@dataclass(frozen=True)
class ValueFilter:
    """A filter that keeps documents whose metadata value is one of the chosen ones."""

    attribute: str  # the Filters attribute holding the chosen values
    key: str  # its singular name: in counts and error messages
    flag: str  # the CLI option (repeatable)
    help: str  # the CLI option's help, in English
    read: Callable[[DocumentMetadata], str | None]
    vocabulary: tuple[str, ...] | None = None  # fixed codes; None: the values the indexed documents carry
    label: str = ""  # the Sök sidebar's Swedish label; empty: not offered there
    labels: Mapping[str, str] = field(default_factory=dict)  # Swedish name of each code

    def chosen(self, filters: Filters) -> tuple[str, ...]:
        values: tuple[str, ...] = getattr(filters, self.attribute)
        return values

    def allowed(self, documents: Iterable[DocumentMetadata]) -> list[str]:
        if self.vocabulary is not None:
            return list(self.vocabulary)
        return sorted({value for value in map(self.read, documents) if value})

    def show(self, code: str) -> str:
        return self.labels.get(code, code)


@dataclass(frozen=True)
class RangeFilter:
    """A filter that keeps documents whose (integer) value lies between two bounds, both inclusive;
    documents without a value drop out as soon as either bound is set."""

    key: str
    low: str  # Filters attribute of the lower bound, and its CLI option (with dashes)
    high: str
    help: str
    read: Callable[[DocumentMetadata], int | None]
    label: str

    def bounds(self, filters: Filters) -> tuple[int | None, int | None]:
        return getattr(filters, self.low), getattr(filters, self.high)


VALUE_FILTERS: tuple[ValueFilter, ...] = (
    ValueFilter(
        "doc_types", "doc_type", "--type", "Document type (repeatable).", lambda m: m.doc_type, DOC_TYPES,
        "Dokumenttyp", DOC_TYPE_LABELS,
    ),
    ValueFilter(
        "stakeholders", "stakeholder", "--stakeholder", "Stakeholder category (repeatable).",
        lambda m: m.stakeholder, STAKEHOLDERS, "Aktörskategori", STAKEHOLDER_LABELS,
    ),
    ValueFilter(
        "organisations", "organisation", "--organisation", "Organisation (repeatable).", lambda m: m.organisation,
        None, "Organisation",
    ),
    ValueFilter(
        "languages", "language", "--language", "Document language, e.g. sv (repeatable).", lambda m: m.language,
    ),
    ValueFilter("doc_ids", "doc_id", "--doc-id", "Only this document (repeatable).", lambda m: m.doc_id),
)  # fmt: skip
YEARS = RangeFilter("year", "year_from", "year_to", "Earliest / latest year.", lambda m: m.year, "År")
BY_KEY: Mapping[str, ValueFilter] = MappingProxyType({f.key: f for f in VALUE_FILTERS})


def filters_from(values: Mapping[str, object]) -> Filters:
    """`Filters` from values keyed by `Filters` attribute (lists become tuples, None means no restriction)."""
    known = {f.name for f in fields(Filters)}
    unknown = set(values) - known
    if unknown:
        raise SearchError(f"unknown filter(s): {', '.join(sorted(unknown))}")
    chosen: dict[str, object] = {}
    for name, value in values.items():
        if value is None:
            continue
        chosen[name] = tuple(value) if isinstance(value, list | tuple) else value
    return Filters(**chosen)  # type: ignore[arg-type]


def matches(meta: DocumentMetadata, filters: Filters) -> bool:
    """Whether a document passes every filter."""
    for row in VALUE_FILTERS:
        chosen = row.chosen(filters)
        if chosen and row.read(meta) not in chosen:
            return False
    low, high = YEARS.bounds(filters)
    if low is None and high is None:
        return True
    value = YEARS.read(meta)
    return value is not None and (low is None or value >= low) and (high is None or value <= high)


def validate(filters: Filters, allowed: Mapping[str, Sequence[str]]) -> None:
    """Raise `UnknownFilterValue` for a value that cannot match (listing the allowed ones, from
    `allowed_values`), or `SearchError` for an empty range."""
    for row in VALUE_FILTERS:
        for value in row.chosen(filters):
            if value not in allowed[row.key]:
                raise UnknownFilterValue(row.key, value, allowed[row.key])
    low, high = YEARS.bounds(filters)
    if low is not None and high is not None and low > high:
        raise SearchError(f"{YEARS.key} range is empty: {low}–{high}")


def allowed_values(documents: Sequence[DocumentMetadata]) -> dict[str, list[str]]:
    """Every value filter's allowed values, by key."""
    return {row.key: row.allowed(documents) for row in VALUE_FILTERS}


def document_counts(documents: Sequence[DocumentRecord]) -> dict[str, dict[str, int]]:
    """How many documents carry each value of every filter (the range filter's values as text): the
    counts shown beside the filters."""
    counts: dict[str, dict[str, int]] = {key: {} for key in [*BY_KEY, YEARS.key]}
    for document in documents:
        meta = document.metadata
        values = [(row.key, row.read(meta)) for row in VALUE_FILTERS]
        year = YEARS.read(meta)
        values.append((YEARS.key, str(year) if year is not None else None))
        for key, value in values:
            if value:
                counts[key][value] = counts[key].get(value, 0) + 1
    return counts
