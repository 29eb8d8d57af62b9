"""The CLI's one error handler: every `kb.errors.VkbError` becomes `vkb: error: <message>` on stderr and
the exit code its class carries (2 usage, 1 input). Commands raise library errors or `fail(...)`;
none of them catches a library error to print it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperGroup

from kb.errors import VkbError

if TYPE_CHECKING:  # typer vendors click (typer._click) and types TyperGroup.invoke with that Context
    from typer._click import Context


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print a CLI-level error (an option the library never sees) and return the Exit to raise."""
    typer.secho(f"vkb: error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


class VkbGroup(TyperGroup):
    """A command group whose subcommands' `VkbError`s are printed as one line with their exit code."""

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except VkbError as exc:
            raise fail(str(exc), exc.exit_code) from None
