"""The catalogue as a whole: load a folder, filter, compare, map gaps, and link to the knowledge base."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from catalogue.comparison import MAX_COMPARE, MIN_COMPARE, CompareError, Comparison, compare
from catalogue.filtering import FilterResult, Query, SortKey, filter_interventions
from catalogue.gaps import GapMap, Rows, gap_map
from catalogue.loading import Problem, Record, load_folder, verify_quotes
from catalogue.schema import Intervention
from kb import DocumentLookup, Hit, KnowledgeBase
from kb.errors import UsageError


class UnknownIntervention(UsageError, KeyError):
    def __str__(self) -> str:
        return f"no intervention with id {self.args[0]!r}"


@dataclass
class Catalogue:
    folder: Path
    records: list[Record]
    problems: list[Problem]

    @classmethod
    def load(cls, folder: Path) -> Catalogue:
        result = load_folder(Path(folder))
        return cls(Path(folder), result.records, result.problems)

    @property
    def interventions(self) -> list[Intervention]:
        return [r.intervention for r in self.records]

    def __len__(self) -> int:
        return len(self.records)

    def get(self, intervention_id: str) -> Intervention:
        for record in self.records:
            if record.intervention.id == intervention_id:
                return record.intervention
        raise UnknownIntervention(intervention_id)

    def validate(self, kb: DocumentLookup | None = None) -> list[Problem]:
        """Every problem: loading ones, plus quote checks against the knowledge base when given."""
        return self.problems + (verify_quotes(self.records, kb) if kb is not None else [])

    def filter(self, query: Query | None = None, sort: SortKey = "name") -> FilterResult:
        return filter_interventions(self.interventions, query, sort)

    def compare(self, ids: Sequence[str], language: str = "sv") -> Comparison:
        if len(ids) != len(set(ids)):
            raise CompareError("the same intervention is listed twice")
        if not MIN_COMPARE <= len(ids) <= MAX_COMPARE:
            raise CompareError(f"compare {MIN_COMPARE}–{MAX_COMPARE} interventions, not {len(ids)}")
        return compare([self.get(i) for i in ids], language)

    def gap_map(self, rows: Rows = "category", cols: str = "target_group", query: Query | None = None) -> GapMap:
        return gap_map(self.filter(query).interventions, rows, cols)

    def citing(self, doc_id: str) -> list[Intervention]:
        """Interventions with a source in this knowledge-base document."""
        return [i for i in self.interventions if any(s.doc_id == doc_id for s in i.kb_sources())]


def related_passages(kb: KnowledgeBase, intervention: Intervention, k: int = 5) -> list[Hit]:
    """Knowledge-base passages about the intervention (its name and summary as a hybrid query),
    excluding the passages it already quotes."""
    hits = kb.search(f"{intervention.name}. {intervention.summary}", k=k + 5)
    quoted = {(s.doc_id, " ".join(s.quote.split())) for s in intervention.kb_sources()}
    fresh = [h for h in hits if not any(d == h.doc_id and q in " ".join(h.text.split()) for d, q in quoted)]
    return fresh[:k]
