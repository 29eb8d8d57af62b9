"""The intervention record: a pydantic model with closed vocabularies, one YAML file per intervention.

Every claim names its sources: a certainty other than `ej_bedomd` needs a grader, a rationale and
sources (`grader: kalla` also a quote); an outcome's effect, a cost level or amount, a unit cost and
an implementation note need sources; actors and time to effect are sourced or marked as vkb's
judgement (`basis: vkb`). A source is either a passage of a document in the knowledge base (doc_id,
page, quote: checked against the indexed text) or an external publication (authors, title, journal
or publisher, year, DOI/URL and a verbatim quote of the sentence that carries the claim).

Records in the first format (`evidence.level`, a bare `actors` list, a bare `time_to_effect`) still
load: the old fields mean the same, and unsourced actors and times were always vkb's judgement.
"""

from __future__ import annotations

import datetime
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from catalogue.vocabularies import (
    ACTORS,
    CATEGORY,
    DESIGN,
    EFFECT,
    EVIDENCE,
    EVIDENCE_RANK,
    GRADER,
    LEVERS,
    OUTCOME,
    SETTING,
    STATUS,
    STRENGTH,
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
    """A publication outside the knowledge base: enough to find it, and the sentence that carries the claim."""

    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    authors: str | None = Field(default=None, description="As the publication lists them (e.g. 'Halter M, Pelone F').")
    journal: str | None = Field(default=None, description="Journal or series.")
    publisher: str | None = Field(default=None, description="Publisher or issuing body, for reports.")
    year: int | None = Field(default=None, ge=1900, le=2100, description="Left out when the publication shows none.")
    doi: str | None = Field(default=None, pattern=r"^10\.\d{4,9}/\S+$")
    url: str = Field(pattern=r"^https?://\S+$")
    quote: str | None = Field(default=None, min_length=10, description="Verbatim, at most 300 characters.")
    note: str | None = Field(default=None, description="Where in the publication, e.g. a table or recommendation.")


def _source_kind(value: object) -> str:
    if isinstance(value, dict):
        return "kb" if "doc_id" in value else "external"
    return "kb" if isinstance(value, KbSource) else "external"


Source = Annotated[
    Annotated[KbSource, Tag("kb")] | Annotated[ExternalSource, Tag("external")], Discriminator(_source_kind)
]
SourceIds = Annotated[list[str], AfterValidator(_unique)]


class Outcome(_Strict):
    """One outcome the sources measured: its direction, the design behind it, how sure we are."""

    outcome: Annotated[str, _term(OUTCOME)]
    effect: Annotated[str, _term(EFFECT)]
    design: Annotated[str, _term(DESIGN)]
    studies: int | None = Field(
        default=None, ge=0, description="Number of studies as the source states it (0: it found none)."
    )
    certainty: Annotated[str, _term(EVIDENCE)] | None = None
    note: str | None = None
    sources: SourceIds = Field(min_length=1, description="An effect always names its sources.")


class Evidence(_Strict):
    certainty: EvidenceLevel
    grader: Annotated[str, _term(GRADER)] | None = None
    strength: Annotated[str, _term(STRENGTH)] | None = None
    rationale: str | None = Field(default=None, description="Why this grade, in Swedish.")
    sources: SourceIds = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _old_level(cls, data: object) -> object:
        """Records written before outcomes existed say `level:`; it is the same field."""
        if isinstance(data, dict) and "level" in data and "certainty" not in data:
            data = {("certainty" if k == "level" else k): v for k, v in data.items()}
        return data

    @model_validator(mode="after")
    def _graded_needs_grounds(self) -> Evidence:
        if self.certainty != "ej_bedomd" and not (self.rationale and self.sources and self.grader):
            raise ValueError("a certainty other than ej_bedomd needs grader (kalla or vkb), a rationale and sources")
        if self.certainty == "ej_bedomd" and (self.grader or self.strength):
            raise ValueError("ej_bedomd means nobody graded it: leave out grader and strength")
        return self

    @property
    def rank(self) -> int:
        return EVIDENCE_RANK[self.certainty]


class UnitCost(_Strict):
    amount: float = Field(gt=0)
    currency: str = Field(default="SEK", pattern=r"^[A-Z]{3}$")
    unit: str = Field(min_length=3, description="per deltagare, per årsarbetare, per utbildningsplats, per år …")
    year: int | None = Field(default=None, ge=1900, le=2100, description="The price year, when the source gives it.")
    note: str | None = None
    sources: SourceIds = Field(min_length=1)

    def label(self) -> str:
        amount = f"{self.amount:,.0f}".replace(",", " ")
        return f"{amount} {self.currency} {self.unit}" + (f" ({self.year})" if self.year else "")


class Sourced(_Strict):
    text: str = Field(min_length=5)
    sources: SourceIds = Field(min_length=1)


class Cost(_Strict):
    level: Literal[1, 2, 3, 4, 5, "unknown"]
    amount_sek: int | None = Field(default=None, ge=0, description="The amount the source states, in kronor.")
    period: str | None = Field(default=None, description="What the amount covers, e.g. 'per år från 2024'.")
    basis: str | None = Field(default=None, description="How the level follows from the amount.")
    sources: SourceIds = Field(default_factory=list)
    unit_cost: UnitCost | None = None
    cost_effectiveness: Sourced | None = None

    @model_validator(mode="after")
    def _stated_needs_sources(self) -> Cost:
        if (self.level != "unknown" or self.amount_sek is not None) and not self.sources:
            raise ValueError("a cost level or amount needs the sources that state it")
        return self

    @property
    def sort_key(self) -> int:
        return self.level if isinstance(self.level, int) else 99


class Judged(_Strict):
    """A value that is either sourced or, marked as such, vkb's own judgement."""

    basis: Literal["vkb"] | None = Field(default=None, description="vkb: our judgement, shown as such.")
    sources: SourceIds = Field(default_factory=list)

    @model_validator(mode="after")
    def _sourced_or_marked(self) -> Judged:
        if bool(self.sources) == (self.basis == "vkb"):
            raise ValueError("give either sources or basis: vkb (vkb's judgement), not both and not neither")
        return self

    @property
    def judged_by_vkb(self) -> bool:
        return self.basis == "vkb"


class Actors(Judged):
    values: Annotated[list[Actor], AfterValidator(_unique)] = Field(min_length=1)


class TimeToEffectJudged(Judged):
    value: TimeToEffect


class Applicability(_Strict):
    text: str = Field(min_length=10)
    basis: Literal["vkb"] = Field(description="Always vkb's judgement, shown as such.")


class Reviewed(_Strict):
    date: datetime.date
    by: str = Field(min_length=2)


def _judged(value: object, key: str) -> object:
    """Old records list actors / give time_to_effect bare and unsourced: they are vkb's judgement."""
    if isinstance(value, (list, str)):
        return {key: value, "basis": "vkb"}
    return value


class Intervention(_Strict):
    id: str = Field(pattern=_SLUG.pattern, description="Slug: lower-case letters, digits and hyphens.")
    name: str = Field(min_length=3)
    summary: str = Field(min_length=20, description="A few sentences in Swedish, in vkb's own words.")
    description: str | None = None
    category: Annotated[list[Category], AfterValidator(_unique)] = Field(min_length=1)
    target_groups: Annotated[list[TargetGroup], AfterValidator(_unique)] = Field(min_length=1)
    levers: Annotated[list[Lever], AfterValidator(_unique)] = Field(min_length=1)
    setting: Annotated[list[Setting], AfterValidator(_unique)] = Field(min_length=1)
    actors: Actors
    outcomes: list[Outcome] = Field(default_factory=list)
    evidence: Evidence
    cost: Cost
    time_to_effect: TimeToEffectJudged = Field(default_factory=lambda: TimeToEffectJudged(value="unknown", basis="vkb"))
    status: Status
    implementation: list[Sourced] = Field(default_factory=list, description="Conditions for success and risks.")
    applicability: Applicability | None = None
    reviewed: Reviewed | None = None
    sources: list[Source] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _migrate(cls, data: object) -> object:
        if isinstance(data, dict):
            data = dict(data)
            if "actors" in data:
                data["actors"] = _judged(data["actors"], "values")
            if "time_to_effect" in data:
                data["time_to_effect"] = _judged(data["time_to_effect"], "value")
        return data

    @model_validator(mode="after")
    def _source_references(self) -> Intervention:
        ids = [s.id for s in self.sources]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"sources: source ids used twice: {', '.join(duplicates)}")
        for where, refs in self.references():
            missing = [r for r in refs if r not in ids]
            if missing:
                known = ", ".join(ids)
                raise ValueError(f"{where}: names {', '.join(missing)}, not among the record's sources ({known})")
        if self.evidence.grader == "kalla":
            quoted = [r for r in self.evidence.sources if getattr(self.source(r), "quote", None)]
            if not quoted:
                raise ValueError(
                    "evidence.grader: kalla (the source's own grade) needs a cited source with the quote that states it"
                )
        return self

    def references(self) -> list[tuple[str, list[str]]]:
        """Every field that names sources, with the ids it names."""
        found = [
            ("evidence.sources", self.evidence.sources),
            ("cost.sources", self.cost.sources),
            ("actors.sources", self.actors.sources),
            ("time_to_effect.sources", self.time_to_effect.sources),
        ]
        found += [(f"outcomes.{n}.sources", o.sources) for n, o in enumerate(self.outcomes)]
        found += [(f"implementation.{n}.sources", s.sources) for n, s in enumerate(self.implementation)]
        if self.cost.unit_cost:
            found.append(("cost.unit_cost.sources", self.cost.unit_cost.sources))
        if self.cost.cost_effectiveness:
            found.append(("cost.cost_effectiveness.sources", self.cost.cost_effectiveness.sources))
        return found

    def kb_sources(self) -> list[KbSource]:
        return [s for s in self.sources if isinstance(s, KbSource)]

    def source(self, source_id: str) -> Source:
        return next(s for s in self.sources if s.id == source_id)

    @property
    def studies(self) -> int:
        """Studies behind the record's outcomes, as its sources count them (0 when none says)."""
        return max((o.studies or 0 for o in self.outcomes), default=0)
