"""The intervention record: a pydantic model with closed vocabularies, one YAML file per intervention.

Every claim names its sources: an evidence grade other than `ej_bedomd` needs a rationale and
sources, a cost level or amount needs sources. A source is either a passage of a document in the
knowledge base (doc_id, page, quote: the quote is checked against the indexed text) or an external
publication (title, publisher, year, url).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from catalogue.vocabularies import (
    ACTORS,
    CATEGORY,
    EVIDENCE,
    EVIDENCE_RANK,
    LEVERS,
    SETTING,
    STATUS,
    TARGET_GROUPS,
    TIME_TO_EFFECT,
    Vocabulary,
)

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,80}$")


def _term(vocabulary: Vocabulary) -> AfterValidator:
    def check(value: str) -> str:
        if value not in vocabulary.codes:
            raise ValueError(f"unknown {vocabulary.name} term {value!r}; allowed: {', '.join(vocabulary.codes)}")
        return value

    return AfterValidator(check)


def _unique(values: list[str]) -> list[str]:
    duplicates = sorted({v for v in values if values.count(v) > 1})
    if duplicates:
        raise ValueError(f"listed more than once: {', '.join(duplicates)}")
    return values


Category = Annotated[str, _term(CATEGORY)]
TargetGroup = Annotated[str, _term(TARGET_GROUPS)]
Lever = Annotated[str, _term(LEVERS)]
Setting = Annotated[str, _term(SETTING)]
Actor = Annotated[str, _term(ACTORS)]
EvidenceLevel = Annotated[str, _term(EVIDENCE)]
TimeToEffect = Annotated[str, _term(TIME_TO_EFFECT)]
Status = Annotated[str, _term(STATUS)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class KbSource(_Strict):
    """A passage of a document in the knowledge base."""

    id: str = Field(min_length=1, description="Short key the record uses to point at this source.")
    doc_id: str = Field(min_length=1)
    page: int | None = Field(default=None, ge=1, description="1-based page; leave out for formats without pages.")
    quote: str = Field(min_length=10, description="Words copied exactly from the document (whitespace may differ).")


class ExternalSource(_Strict):
    """A publication outside the knowledge base."""

    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    publisher: str = Field(min_length=1)
    year: int = Field(ge=1900, le=2100)
    url: str = Field(pattern=r"^https?://\S+$")
    note: str | None = Field(default=None, description="Where in the publication, e.g. a table or recommendation.")


def _source_kind(value: object) -> str:
    if isinstance(value, dict):
        return "kb" if "doc_id" in value or "quote" in value else "external"
    return "kb" if isinstance(value, KbSource) else "external"


Source = Annotated[
    Annotated[KbSource, Tag("kb")] | Annotated[ExternalSource, Tag("external")], Discriminator(_source_kind)
]


class Evidence(_Strict):
    level: EvidenceLevel
    rationale: str | None = Field(default=None, description="Why this grade, in the source's own terms.")
    sources: Annotated[list[str], AfterValidator(_unique)] = Field(default_factory=list)

    @model_validator(mode="after")
    def _graded_needs_grounds(self) -> Evidence:
        if self.level != "ej_bedomd" and not (self.rationale and self.sources):
            raise ValueError("an evidence level other than ej_bedomd needs a rationale and the sources it rests on")
        return self

    @property
    def rank(self) -> int:
        return EVIDENCE_RANK[self.level]


class Cost(_Strict):
    level: Literal[1, 2, 3, 4, 5, "unknown"]
    amount_sek: int | None = Field(default=None, ge=0, description="The amount the source states, in kronor.")
    period: str | None = Field(default=None, description="What the amount covers, e.g. 'per år från 2024'.")
    basis: str | None = Field(default=None, description="How the level follows from the amount.")
    sources: Annotated[list[str], AfterValidator(_unique)] = Field(default_factory=list)

    @model_validator(mode="after")
    def _stated_needs_sources(self) -> Cost:
        if (self.level != "unknown" or self.amount_sek is not None) and not self.sources:
            raise ValueError("a cost level or amount needs the sources that state it")
        return self

    @property
    def sort_key(self) -> int:
        return self.level if isinstance(self.level, int) else 99


class Intervention(_Strict):
    id: str = Field(pattern=_SLUG.pattern, description="Slug: lower-case letters, digits and hyphens.")
    name: str = Field(min_length=3)
    summary: str = Field(min_length=20, description="A few sentences in Swedish.")
    description: str | None = None
    category: Annotated[list[Category], AfterValidator(_unique)] = Field(min_length=1)
    target_groups: Annotated[list[TargetGroup], AfterValidator(_unique)] = Field(min_length=1)
    levers: Annotated[list[Lever], AfterValidator(_unique)] = Field(min_length=1)
    setting: Annotated[list[Setting], AfterValidator(_unique)] = Field(min_length=1)
    actors: Annotated[list[Actor], AfterValidator(_unique)] = Field(min_length=1)
    evidence: Evidence
    cost: Cost
    time_to_effect: TimeToEffect = "unknown"
    status: Status
    sources: list[Source] = Field(min_length=1)

    @model_validator(mode="after")
    def _source_references(self) -> Intervention:
        ids = [s.id for s in self.sources]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"source ids used twice: {', '.join(duplicates)}")
        for where, refs in (("evidence.sources", self.evidence.sources), ("cost.sources", self.cost.sources)):
            missing = [r for r in refs if r not in ids]
            if missing:
                known = ", ".join(ids)
                raise ValueError(f"{where} names {', '.join(missing)}, not among the record's sources ({known})")
        return self

    def kb_sources(self) -> list[KbSource]:
        return [s for s in self.sources if isinstance(s, KbSource)]

    def source(self, source_id: str) -> Source:
        return next(s for s in self.sources if s.id == source_id)


FIELD_ORDER = (
    "id", "name", "summary", "description", "category", "target_groups", "levers", "setting", "actors",
    "evidence", "cost", "time_to_effect", "status", "sources",
)  # fmt: skip
