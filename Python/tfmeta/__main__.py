"""`python -m tfmeta ARGS` runs the `tfmeta` command."""
from ._cli import main

main()
