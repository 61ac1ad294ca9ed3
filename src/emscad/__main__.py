"""`python -m emscad` runs the command-line interface."""

from emscad.cli import main

main()
