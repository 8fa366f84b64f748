"""``fastnet demo``: the registration of the demo subcommand (the demo itself is :mod:`.demo`).

Kept apart from demo.py because that module is also the public
``fastnet.demo`` (an import path of fastnet 0.1): it stays the demo alone.
"""

from __future__ import annotations

import argparse
import os

from .demo import run_demo
from .options import Subcommands, add_no_progress, add_seed, int_at_least

__all__ = ["register", "run"]


def register(commands: Subcommands) -> None:
    """Add ``demo`` and its options to the ``fastnet`` parser."""
    parser = commands.add_parser("demo", help="train on built-in data (two spirals, a noisy sine) and plot")
    parser.add_argument("--epochs", type=int_at_least(1), default=100,
                        help="epochs of each network; the learning rate anneals over them (default: 100)")
    add_seed(parser)
    parser.add_argument("--plot-dir", default=".", help="where the loss-curve PNGs go (default: .)")
    add_no_progress(parser, help_text="no progress bar or per-epoch log")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """The ``demo`` subcommand; returns the exit code."""
    plot_dir = str(args.plot_dir)
    os.makedirs(plot_dir, exist_ok=True)
    run_demo(epochs=args.epochs, seed=args.seed, plot_dir=plot_dir, progress=not args.no_progress)
    return 0
