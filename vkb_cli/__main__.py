"""`python -m vkb_cli …`: the same as the `vkb` command."""

from vkb_cli.entry import main

main()
