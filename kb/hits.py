"""Search results: `Hit`, and grouping of hits by document or by stakeholder category."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from kb.highlight import Snippet
from kb.vocabulary import STAKEHOLDER_LABELS


@dataclass(frozen=True)
class Hit:
    """One retrieved passage, traceable to its document, page and character offsets."""

    rank: int
    score: float
    chunk_id: str
    doc_id: str
    title: str
    organisation: str | None
    doc_type: str
    stakeholder: str
    date: str | None
    source_path: str
    page: int | None
    char_start: int
    char_end: int
    heading_path: tuple[str, ...]
    text: str
    snippet: Snippet
    scores: Mapping[str, float] = field(default_factory=dict)  # each search signal's raw score, by name
    ocr: bool = False  # the passage's page was read by OCR: its text may differ from the page

    @property
    def lexical_score(self) -> float:
        return self.scores.get("lexical", 0.0)

    @property
    def dense_score(self) -> float:
        return self.scores.get("dense", 0.0)

    @property
    def year(self) -> int | None:
        return int(self.date[:4]) if self.date else None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["heading_path"] = list(self.heading_path)
        data["snippet"] = self.snippet.render()
        data["scores"] = dict(self.scores)
        data["lexical_score"], data["dense_score"] = self.lexical_score, self.dense_score
        return data


@dataclass(frozen=True)
class HitGroup:
    key: str
    label: str
    hits: tuple[Hit, ...]


def group_by_document(hits: Sequence[Hit]) -> list[HitGroup]:
    """One group per document, in the order of each document's best passage."""
    groups: dict[str, list[Hit]] = {}
    for hit in hits:
        groups.setdefault(hit.doc_id, []).append(hit)
    return [HitGroup(doc_id, items[0].title, tuple(items)) for doc_id, items in groups.items()]


def group_by_stakeholder(hits: Sequence[Hit]) -> list[HitGroup]:
    """One group per stakeholder category (regions, municipalities, unions, …), best first."""
    groups: dict[str, list[Hit]] = {}
    for hit in hits:
        groups.setdefault(hit.stakeholder, []).append(hit)
    return [HitGroup(key, STAKEHOLDER_LABELS.get(key, key), tuple(items)) for key, items in groups.items()]
