"""``fastnet export model.npz model.onnx [--opset 17]``: a saved model as an ONNX file, for serving.

The ONNX graph computes what ``fastnet predict`` does before it formats the
numbers: the network's outputs (class probabilities for a classifier). Needs
the onnx package (``pip install 'fastnet[onnx]'``).
"""

from __future__ import annotations

import argparse

from ..io.onnx import DEFAULT_OPSET, MIN_OPSET, to_onnx
from .messages import CLIError, info
from .models import load_model
from .options import Subcommands, int_at_least

__all__ = ["register", "run"]


def register(commands: Subcommands) -> None:
    """Add ``export`` and its options to the ``fastnet`` parser."""
    parser = commands.add_parser("export", help="write a saved model as an ONNX file")
    parser.add_argument("model", help="a model saved by fastnet (.npz)")
    parser.add_argument("out", help="the ONNX file to write (e.g. model.onnx)")
    parser.add_argument("--opset", type=int_at_least(MIN_OPSET), default=DEFAULT_OPSET,
                        help=f"the ONNX operator set (default: {DEFAULT_OPSET}; at least {MIN_OPSET})")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """The ``export`` subcommand; returns the exit code."""
    net = load_model(args.model)
    try:
        to_onnx(net, args.out, opset=args.opset)
    except ImportError as exc:   # the onnx extra is missing: a user's fix, not a bug
        raise CLIError(str(exc)) from None
    except ValueError as exc:    # an opset newer than the installed onnx knows
        raise CLIError(str(exc)) from None
    info(f"wrote {args.out} (ONNX opset {args.opset}: input X (batch, {net.n_features}), "
         f"output Y (batch, {net.n_outputs}))")
    return 0
