"""``python -m boundkit`` runs the command-line interface."""

from boundkit.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
