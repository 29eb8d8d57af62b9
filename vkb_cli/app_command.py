"""`vkb app`: the command that starts the browser app, light enough to be loaded on its own.

`vkb_cli.entry` runs `vkb app` through `standalone` (this command alone) rather than the whole CLI,
so Streamlit's server starts before the search machinery, the catalogue and the ingest readers are
imported; they load on a thread while the browser fetches the page (see `app_server.serve`).
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from vkb_cli.errors import VkbGroup
from vkb_cli.settings_options import ChromaOption, IndexOption, ModelOption


def run_app(
    index: IndexOption = None,
    model: ModelOption = None,
    chroma_url: ChromaOption = None,
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8501,
    address: Annotated[str, typer.Option(help="Address to listen on (127.0.0.1: this machine only).")] = "127.0.0.1",
) -> None:
    """Start the browser app (Streamlit) on http://ADDRESS:PORT."""
    from kb.settings import load_settings

    settings = load_settings(index=index, model=model, chroma_url=chroma_url)  # fail early on bad settings
    env = dict(os.environ)
    for name, value in (("VKB_INDEX", index), ("VKB_MODEL", model), ("VKB_CHROMA_URL", chroma_url)):
        if value is not None:
            env[name] = str(value)
    typer.echo(f"vkb: starting the app on http://{address}:{port} (Ctrl+C stops it)")
    from vkb_cli.app_server import serve

    serve(settings, address, port, env)


def _standalone() -> typer.Typer:
    group = typer.Typer(cls=VkbGroup, name="vkb", add_completion=False, pretty_exceptions_enable=False)
    group.command("app")(run_app)

    @group.callback()
    def main() -> None:  # a callback keeps `app` a subcommand: `vkb app --port …` parses as in the full CLI
        """vårdkompetensbasen."""

    return group


standalone = _standalone()
