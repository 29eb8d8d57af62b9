"""The catalogue's controlled vocabularies: codes, Swedish and English labels, short definitions.

One place for every term the schema accepts, the filters offer, the app shows and the README lists.
Ordered vocabularies (evidence, cost, time to effect) are listed from best/lowest to worst/highest
as their `order` says.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    code: str
    sv: str
    en: str
    definition: str = ""


@dataclass(frozen=True)
class Vocabulary:
    name: str  # the record field it governs
    sv: str
    en: str
    terms: tuple[Term, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(t.code for t in self.terms)

    def label(self, code: str, language: str = "sv") -> str:
        for term in self.terms:
            if term.code == code:
                return term.sv if language == "sv" else term.en
        return code

    def __contains__(self, code: object) -> bool:
        return code in self.codes


def _v(name: str, sv: str, en: str, *terms: tuple[str, str, str, str] | tuple[str, str, str]) -> Vocabulary:
    return Vocabulary(name, sv, en, tuple(Term(*t) for t in terms))


CATEGORY = _v(
    "category",
    "Kategori",
    "Category",
    ("recruit", "Rekrytera", "Recruit", "Attrahera och utbilda nya medarbetare."),
    ("retain", "Behålla", "Retain", "Utveckla, motivera och behålla dem som arbetar i vården i dag."),
    ("return", "Återfå", "Bring back", "Locka tillbaka personal som lämnat yrket eller vården."),
    ("enable", "Förutsättningar", "Enable", "Planering, statistik och samverkan som gör de andra insatserna möjliga."),
)

TARGET_GROUPS = _v(
    "target_groups",
    "Målgrupp",
    "Target group",
    ("lakare", "Läkare", "Physicians", "Legitimerade läkare oavsett specialisering."),
    ("specialistlakare", "Specialistläkare", "Specialist physicians", "Läkare med specialistkompetens."),
    ("st_lakare", "ST-läkare", "Specialty trainees", "Läkare under specialiseringstjänstgöring."),
    ("at_bt_lakare", "AT-/BT-läkare", "Interns (AT/BT)", "Läkare under allmän- eller bastjänstgöring."),
    ("sjukskoterska", "Sjuksköterska", "Nurses", "Legitimerade sjuksköterskor."),
    ("specialistsjukskoterska", "Specialistsjuksköterska", "Specialist nurses", "Sjuksköterskor med specialistexamen."),
    ("barnmorska", "Barnmorska", "Midwives", "Legitimerade barnmorskor."),
    ("rontgensjukskoterska", "Röntgensjuksköterska", "Radiographers", "Legitimerade röntgensjuksköterskor."),
    ("underskoterska", "Undersköterska", "Assistant nurses", "Undersköterskor, inklusive i äldreomsorgen."),
    ("biomedicinsk_analytiker", "Biomedicinsk analytiker", "Biomedical scientists", ""),
    ("fysioterapeut", "Fysioterapeut", "Physiotherapists", ""),
    ("arbetsterapeut", "Arbetsterapeut", "Occupational therapists", ""),
    ("psykolog", "Psykolog", "Psychologists", ""),
    ("kurator", "Kurator", "Counsellors", "Hälso- och sjukvårdskuratorer."),
    ("dietist", "Dietist", "Dietitians", ""),
    ("logoped", "Logoped", "Speech therapists", ""),
    ("tandlakare", "Tandläkare", "Dentists", ""),
    ("tandhygienist", "Tandhygienist", "Dental hygienists", ""),
    ("medicinsk_sekreterare", "Medicinsk sekreterare", "Medical secretaries", ""),
    ("chefer", "Chefer", "Managers", "Chefer och ledare i hälso- och sjukvården."),
    ("studenter", "Studenter", "Students", "Studenter på vårdutbildningar."),
    ("utlandsutbildade", "Utlandsutbildade", "Foreign-trained staff", "Vårdpersonal utbildad utanför Sverige."),
    ("lamnat_yrket", "Har lämnat yrket", "Left the profession", "Utbildad vårdpersonal som arbetar med annat."),
    ("alla", "Alla yrkesgrupper", "All staff groups", "Insatsen riktar sig till all vårdpersonal."),
)

LEVERS = _v(
    "levers",
    "Hävstång",
    "Lever",
    ("arbetsmiljo", "Arbetsmiljö", "Working environment", "Fysisk, organisatorisk och social arbetsmiljö."),
    ("trygghet", "Trygghet i anställningen", "Job security", "Fasta anställningar, trygghet och kontinuitet."),
    ("administrativ_borda", "Administrativ börda", "Administrative burden", "Mindre administration, mer tid för vård."),
    ("lon_ekonomiska_incitament", "Lön och ekonomiska incitament", "Pay and financial incentives", ""),
    ("utbildning", "Utbildning", "Education", "Grund-, vidare- och specialistutbildning, utbildningsplatser."),
    ("karriar_utveckling", "Karriär och utveckling", "Career and development", "Karriärvägar, kompetensutveckling."),
    ("arbetstid", "Arbetstid", "Working hours", "Arbetstidsmått, scheman, deltid och heltid."),
    ("ledarskap", "Ledarskap", "Leadership", "Chefers förutsättningar och ledarskap."),
    ("digitalisering", "Digitalisering", "Digitalisation", "Digitala verktyg och arbetssätt."),
    ("arbetssatt_uppgiftsvaxling", "Arbetssätt och uppgiftsväxling", "Ways of working, task shifting", ""),
    ("bemanning_hyrpersonal", "Bemanning och hyrpersonal", "Staffing and agency staff", ""),
    ("boende_levnadsvillkor", "Boende och levnadsvillkor", "Housing and living conditions", ""),
    ("samverkan", "Samverkan", "Cooperation", "Samverkan mellan huvudmän, lärosäten och andra aktörer."),
    ("statistik_prognoser", "Statistik och prognoser", "Statistics and forecasts", "Underlag för planering."),
    ("regelverk", "Regelverk", "Regulation", "Lagar, förordningar, behörighet och yrkesreglering."),
)

SETTING = _v(
    "setting",
    "Geografi",
    "Setting",
    ("hela_landet", "Hela landet", "Whole country", ""),
    ("gles_och_landsbygd", "Gles- och landsbygd", "Sparsely populated and rural areas", ""),
    ("storstad", "Storstad", "Metropolitan areas", ""),
)

ACTORS = _v(
    "actors",
    "Aktör",
    "Actor",
    ("stat", "Staten", "The state", "Regering, riksdag och myndigheter."),
    ("region", "Region", "Regions", ""),
    ("kommun", "Kommun", "Municipalities", ""),
    ("privat_vardgivare", "Privat vårdgivare", "Private care providers", ""),
    ("larosate", "Lärosäte", "Universities", "Universitet och högskolor."),
    ("arbetsgivarorganisation", "Arbetsgivarorganisation", "Employers' organisations", ""),
    ("fack_profession", "Fack- och professionsorganisation", "Unions and professional bodies", ""),
)

EVIDENCE = _v(
    "evidence",
    "Evidensens tillförlitlighet",
    "Certainty of evidence",
    ("hog", "Hög", "High", "GRADE: stor tilltro till att effekten ligger nära den skattade."),
    ("mattlig", "Måttlig", "Moderate", "GRADE: måttlig tilltro; den verkliga effekten är troligen nära skattningen."),
    ("lag", "Låg", "Low", "GRADE: begränsad tilltro; den verkliga effekten kan skilja sig väsentligt."),
    ("mycket_lag", "Mycket låg", "Very low", "GRADE: mycket liten tilltro till skattningen."),
    (
        "otillracklig",
        "Otillräcklig",
        "Insufficient",
        "Bedömd: för lite eller för svag evidens för att säga något om effekten.",
    ),
    ("ej_bedomd", "Ej bedömd", "Not assessed", "Ingen har bedömt evidensen; vkb gissar aldrig."),
)
# How sure we are (not how large the effect is). Insufficient and not assessed both rank 0: neither
# says anything about the effect, but they stay apart in the data and in every view.
EVIDENCE_RANK = {"hog": 4, "mattlig": 3, "lag": 2, "mycket_lag": 1, "otillracklig": 0, "ej_bedomd": 0}
GRADED = ("hog", "mattlig", "lag", "mycket_lag")
# Shown beside every grade in the app and the exports, as the best evidence sites do.
EVIDENCE_GUARD = (
    "Tillförlitligheten anger hur säkra vi kan vara på effekten, inte hur stor effekten är. "
    "En lucka (inga studier) betyder inte att insatsen saknar effekt, bara att ingen har studerat den."
)

GRADER = _v(
    "grader",
    "Graderad av",
    "Graded by",
    ("kalla", "Källan", "The source", "Källan anger själv sin tillförlitlighet (t.ex. GRADE); vkb för bara över den."),
    ("vkb", "vkb", "vkb", "vkb har graderat enligt bedömningsmallen i README (aldrig högre än låg)."),
)

STRENGTH = _v(
    "strength",
    "Rekommendationens styrka",
    "Strength of recommendation",
    ("stark", "Stark", "Strong", "Riktlinjen rekommenderar starkt."),
    ("villkorad", "Villkorad", "Conditional", "Riktlinjen rekommenderar med villkor."),
)

OUTCOME = _v(
    "outcome",
    "Utfall",
    "Outcome",
    ("rekrytering", "Rekrytering", "Recruitment", "Sökande, anställningar, antagna."),
    ("kvarstannande", "Kvarstannande", "Retention", "Kvarstannande och personalomsättning."),
    ("aterkomst", "Återkomst", "Return", "Återgång till yrket eller vården efter att ha lämnat."),
    ("bemanning", "Bemanning", "Staffing", "Vakanser, hyrpersonal, bemanningsnivåer."),
    ("arbetsmiljo_halsa", "Arbetsmiljö och hälsa", "Work environment and health", "Nöjdhet, utbrändhet, sjukfrånvaro."),
    ("kompetens", "Kompetens", "Skills", "Kunskaper, färdigheter, behörigheter."),
    ("patientutfall", "Patientutfall", "Patient outcomes", "Vårdens kvalitet och patientsäkerhet."),
    ("kostnad", "Kostnad", "Cost", "Kostnader och besparingar."),
)

EFFECT = _v(
    "effect",
    "Effekt",
    "Effect",
    ("positiv", "Positiv", "Positive", "Källan finner en gynnsam effekt."),
    ("blandad", "Blandad", "Mixed", "Resultaten pekar åt olika håll."),
    ("ingen_effekt", "Ingen effekt", "No effect", "Källan finner ingen skillnad."),
    ("negativ", "Negativ", "Negative", "Källan finner en ogynnsam effekt."),
    ("oklar", "Oklar", "Unclear", "Källan kan inte säga åt vilket håll."),
)

DESIGN = _v(
    "design",
    "Studiedesign",
    "Study design",
    ("systematisk_oversikt", "Systematisk översikt", "Systematic review", "Översikt eller metaanalys av studier."),
    ("rct", "Randomiserad studie", "Randomised trial", ""),
    (
        "kvasiexperimentell",
        "Kvasiexperimentell",
        "Quasi-experimental",
        "Kontrollgrupp utan slumpning, före-efter med jämförelse.",
    ),
    ("kohort_observation", "Kohort/observation", "Cohort/observational", "Uppföljning eller tvärsnitt utan ingrepp."),
    ("utvardering", "Utvärdering", "Evaluation", "Programutvärdering eller uppföljning utan kontrollgrupp."),
    ("kvalitativ", "Kvalitativ", "Qualitative", "Intervjuer, fokusgrupper."),
    ("expertbedomning", "Expertbedömning", "Expert opinion", ""),
    (
        "beslut_utan_utvardering",
        "Beslut utan utvärdering",
        "Decision without evaluation",
        "Beslutad eller föreslagen; ingen utvärdering ännu.",
    ),
)

BASIS = _v(
    "basis",
    "Grund",
    "Basis",
    ("kalla", "Enligt källa", "From a source", ""),
    ("vkb", "vkb:s bedömning", "vkb's judgement", "Inte hämtat ur en källa: vkb:s egen bedömning."),
)

COST = _v(
    "cost",
    "Kostnad",
    "Cost",
    ("1", "1 – under 10 mnkr/år", "1 – under SEK 10 m a year", "Under 10 miljoner kronor per år i nationell skala."),
    ("2", "2 – 10–100 mnkr/år", "2 – SEK 10–100 m a year", "Från 10 upp till 100 miljoner kronor per år."),
    ("3", "3 – 100–500 mnkr/år", "3 – SEK 100–500 m a year", "Från 100 upp till 500 miljoner kronor per år."),
    ("4", "4 – 500–2 000 mnkr/år", "4 – SEK 500–2,000 m a year", "Från 500 upp till 2 000 miljoner kronor per år."),
    ("5", "5 – över 2 000 mnkr/år", "5 – over SEK 2,000 m a year", "2 000 miljoner kronor per år eller mer."),
    ("unknown", "Okänd", "Unknown", "Ingen källa anger kostnaden."),
)
COST_BANDS_MSEK = {1: (0, 10), 2: (10, 100), 3: (100, 500), 4: (500, 2000), 5: (2000, float("inf"))}

TIME_TO_EFFECT = _v(
    "time_to_effect",
    "Tid till effekt",
    "Time to effect",
    ("short", "Kort (under 1 år)", "Short (under 1 year)", ""),
    ("medium", "Medel (1–3 år)", "Medium (1–3 years)", ""),
    ("long", "Lång (över 3 år)", "Long (over 3 years)", ""),
    ("unknown", "Okänd", "Unknown", ""),
)

STATUS = _v(
    "status",
    "Status",
    "Status",
    ("proposed", "Föreslagen", "Proposed", "Föreslagen i en utredning, motion, skrivelse eller liknande."),
    ("decided", "Beslutad", "Decided", "Beslutad av regering, riksdag eller huvudman."),
    ("implemented", "Genomförd", "Implemented", "Genomförs eller har genomförts."),
    ("evaluated", "Utvärderad", "Evaluated", "Genomförd och utvärderad."),
)

VOCABULARIES: dict[str, Vocabulary] = {
    v.name: v
    for v in (CATEGORY, TARGET_GROUPS, LEVERS, SETTING, ACTORS, EVIDENCE, GRADER, STRENGTH, OUTCOME, EFFECT, DESIGN,
              COST, TIME_TO_EFFECT, STATUS, BASIS)
}  # fmt: skip
