"""Entry point and subcommand dispatch of the ``boundkit`` command."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
import warnings
from collections.abc import Sequence

from boundkit._errors import BoundkitError

# Order shown in ``boundkit --help``. A name whose module does not exist yet is skipped.
COMMANDS: tuple[str, ...] = (
    "conjugate",
    "derive",
    "duality",
    "rademacher",
    "bound",
    "simulate",
    "guidance",
    "refine",
    "figures",
    "verify",
    "reproduce",
)


class _Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose usage errors follow boundkit's one-line convention."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


def _command_module(name: str):
    modname = f"boundkit.cli._cmd_{name}"
    if importlib.util.find_spec(modname) is None:
        return None
    return importlib.import_module(modname)


def build_parser() -> argparse.ArgumentParser:
    """Build the ``boundkit`` argument parser with one subparser per available command.

    Returns
    -------
    argparse.ArgumentParser
        The top-level parser; ``args.command`` names the chosen subcommand.
    """
    from boundkit import __version__

    parser = _Parser(
        prog="boundkit",
        description="Check the theory of discriminator-refined generative models.",
    )
    parser.add_argument("--version", action="version", version=f"boundkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        module = _command_module(name)
        if module is None:
            continue
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(_module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``boundkit`` command line.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name; ``sys.argv[1:]`` when omitted.

    Returns
    -------
    int
        Exit status: 0 on success, 1 when a check failed (``verify``), 2 on a user error.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage error (2) or --help/--version (0), already printed
        return _exit_code(exc)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        with warnings.catch_warnings():
            # numerical warnings are not part of the output: every result that matters is
            # checked (non-finite values are refused or reported as the mathematics says)
            warnings.simplefilter("ignore", RuntimeWarning)
            warnings.simplefilter("ignore", UserWarning)
            status = int(args._module.run(args) or 0)
        sys.stdout.flush()
        return status
    except BoundkitError as exc:
        sys.stderr.write(f"boundkit {args.command}: error: {_one_line(exc)}\n")
        return 2
    except (MemoryError, RecursionError) as exc:
        sys.stderr.write(
            f"boundkit {args.command}: error: the request is too large for this machine "
            f"({type(exc).__name__}); use smaller sizes\n"
        )
        return 2
    except KeyboardInterrupt:
        sys.stderr.write(f"boundkit {args.command}: interrupted\n")
        return 130
    except BrokenPipeError:
        # the reader went away (``boundkit verify --json | head``): stop quietly, as Unix tools do
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except OSError as exc:  # a path that does not exist, is a file, is not writable, ...
        sys.stderr.write(f"boundkit {args.command}: error: {_one_line(exc)}\n")
        return 2
    except Exception as exc:  # a bug in boundkit: say so on one line, keep the traceback on demand
        if os.environ.get("BOUNDKIT_DEBUG"):
            raise
        sys.stderr.write(
            f"boundkit {args.command}: internal error: {type(exc).__name__}: {_one_line(exc)} "
            "(a bug in boundkit; set BOUNDKIT_DEBUG=1 for the traceback)\n"
        )
        return 70


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def _exit_code(exc: SystemExit) -> int:
    code = exc.code
    if code is None:
        return 0
    return code if isinstance(code, int) else 2
