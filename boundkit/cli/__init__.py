"""The ``boundkit`` command-line interface.

Each subcommand lives in its own module ``boundkit/cli/_cmd_<name>.py`` defining

* ``HELP``: one line shown in ``boundkit --help``;
* ``add_arguments(parser)``: adds the subcommand's arguments to an ``argparse`` parser;
* ``run(args) -> int``: does the work and returns the exit status.

User mistakes raise :class:`boundkit.BoundkitError`; :func:`main` prints them on one line to
stderr and returns 2.
"""

from boundkit.cli._main import build_parser, main

__all__ = ["build_parser", "main"]
