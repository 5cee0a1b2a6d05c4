"""The command-line entry point: help, dispatch, one-line errors."""

from __future__ import annotations

import subprocess
import sys

from boundkit.cli import build_parser, main


def test_help_lists_subcommands(capsys):
    parser = build_parser()
    text = parser.format_help()
    assert "boundkit" in text


def test_no_command_prints_help_and_returns_2(capsys):
    assert main([]) == 2
    assert "usage" in capsys.readouterr().out


def test_unknown_command_is_a_one_line_error():
    proc = subprocess.run(
        [sys.executable, "-m", "boundkit", "no-such-command"], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "error" in proc.stderr


def test_closed_stdout_is_not_a_traceback():
    """`boundkit ... | head` closes the pipe early: no traceback, a non-zero exit."""
    import os

    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before boundkit writes anything
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "boundkit", "conjugate", "--list"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
        )
    finally:
        os.close(write_end)
    assert "Traceback" not in proc.stderr
    assert "BrokenPipeError" not in proc.stderr
    assert proc.returncode == 1
