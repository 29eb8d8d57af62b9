"""The `vkb` command's entry point.

`vkb app` is run by its own light command group (`vkb_cli.app_command`): the full CLI imports kb's
search machinery, the catalogue and ingest to build its options (0.67 s of imports against 0.3 s),
which would delay Streamlit's server. Every other command, and `vkb --help`, goes to the full CLI
(`vkb_cli.main`), which lists `app` with the same function, options and help.
"""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:2] == ["app"]:
        from vkb_cli.app_command import standalone

        standalone()
    else:
        from vkb_cli.main import app

        app()
