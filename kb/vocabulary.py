"""Controlled vocabularies for document metadata, with Swedish labels (used by ingest, search and the app)."""

from __future__ import annotations

from types import MappingProxyType
from typing import Literal, get_args

DocType = Literal[
    "regeringsuppdrag",
    "kommittedirektiv",
    "sou",
    "ds",
    "proposition",
    "lagradsremiss",
    "skrivelse",
    "betankande",
    "motion",
    "interpellation",
    "skriftlig_fraga",
    "rapport",
    "remissvar",
    "pressmeddelande",
    "artikel",
    "webbsida",
    "annat",
]
Stakeholder = Literal[
    "stat",
    "riksdag",
    "region",
    "kommun",
    "privat_vardgivare",
    "arbetsgivarorganisation",
    "larosate",
    "fack_profession",
    "patientorganisation",
    "annan",
]

DOC_TYPES: tuple[str, ...] = get_args(DocType)
STAKEHOLDERS: tuple[str, ...] = get_args(Stakeholder)

DOC_TYPE_LABELS = MappingProxyType(
    {
        "regeringsuppdrag": "Regeringsuppdrag",
        "kommittedirektiv": "Kommittédirektiv",
        "sou": "Statens offentliga utredning (SOU)",
        "ds": "Departementsserien (Ds)",
        "proposition": "Proposition",
        "lagradsremiss": "Lagrådsremiss",
        "skrivelse": "Skrivelse",
        "betankande": "Utskottsbetänkande",
        "motion": "Motion",
        "interpellation": "Interpellation",
        "skriftlig_fraga": "Skriftlig fråga",
        "rapport": "Rapport",
        "remissvar": "Remissvar",
        "pressmeddelande": "Pressmeddelande",
        "artikel": "Artikel",
        "webbsida": "Webbsida",
        "annat": "Annat",
    }
)

STAKEHOLDER_LABELS = MappingProxyType(
    {
        "stat": "Staten (regering, myndigheter)",
        "riksdag": "Riksdagen",
        "region": "Region",
        "kommun": "Kommun",
        "privat_vardgivare": "Privat vårdgivare",
        "arbetsgivarorganisation": "Arbetsgivarorganisation",
        "larosate": "Lärosäte",
        "fack_profession": "Fack- och professionsorganisation",
        "patientorganisation": "Patientorganisation",
        "annan": "Annan",
    }
)
