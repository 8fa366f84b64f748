"""``python -m fastnet``: the command line (fastnet/cli/)."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
