"""``python -m coder``: the same entry point as the ``coder`` command."""

from coder.cli import main

main()
