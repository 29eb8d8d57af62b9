"""One family for every error vkb reports to a person: `VkbError`, with the CLI's exit code on the class.

- `UsageError` (exit 2): the request cannot run as given — a bad setting or option, an index built
  with another model, another process writing, an unknown filter value or intervention id.
- `InputError` (exit 1): the request ran but its input was bad — an unreadable file, a file over
  a budget, bad upload metadata.

Libraries raise these with an English one-line message; the CLI prints it and exits with the
class's code (`vkb_cli.main.run`, the only handler), the app shows a Swedish message chosen by class
(`app.errors`). The classes also keep their old Python bases (ValueError, RuntimeError, KeyError),
so callers that caught those still do.
"""

from __future__ import annotations


class VkbError(Exception):
    """Something a user can act on; `exit_code` is what the CLI exits with."""

    exit_code = 1


class UsageError(VkbError):
    """The request cannot run as given (exit 2)."""

    exit_code = 2


class InputError(VkbError):
    """The input was bad: a file, a form (exit 1)."""

    exit_code = 1
