"""The app's one mapping from vkb's errors to Swedish messages (the CLI's is `vkb_cli.errors`).

Library errors carry English one-line messages for the CLI and the server log; a person using the
app reads the Swedish sentence for the error's class, which says what to do. The first class in
MESSAGES that the error is an instance of wins, so specific classes come before their parents.
"""

from __future__ import annotations

from ingest.errors import IngestError
from kb import IndexBusy, InputError, ModelMismatch, ModelUnavailable, SettingsError, UsageError, VkbError

MESSAGES: tuple[tuple[type[VkbError], str], ...] = (
    (IndexBusy, "Kunskapsbasen uppdateras just nu av en annan inläsning. Vänta en stund och försök igen."),
    (
        ModelMismatch,
        "Kunskapsbasen byggdes med en annan språkmodell än den som är inställd. Be den som driftar vkb "
        "köra `vkb reindex` eller välja indexets modell, och starta sedan om appen.",
    ),
    (ModelUnavailable, "Språkmodellen kunde inte läsas in. Be den som driftar vkb kontrollera installationen."),
    (SettingsError, "En inställning för vkb är fel. Be den som driftar vkb rätta den (detaljer i serverns logg)."),
    (IngestError, "Filen kunde inte läsas in. Kontrollera att den är hel och av en typ som vkb läser."),
    (UsageError, "Det gick inte att göra så här. Ändra valen och försök igen."),
    (InputError, "Indata kunde inte användas. Kontrollera det du angav och försök igen."),
)


def swedish(error: VkbError) -> str:
    """The Swedish message for this error."""
    for kind, message in MESSAGES:
        if isinstance(error, kind):
            return message
    return "Något gick fel. Försök igen."
