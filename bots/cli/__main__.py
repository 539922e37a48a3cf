"""``python -m bots.cli``: the ``possibles`` command."""

from bots.cli import main

main()
