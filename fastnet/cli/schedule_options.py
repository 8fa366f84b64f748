"""``fastnet train``'s learning-rate schedule: ``--lr-schedule`` and ``--warmup``, as fastnet.schedules objects."""

from __future__ import annotations

import argparse

from ..optim.optimizers import FULL_BATCH
from ..optim.schedules import CosineAnnealingLR, LinearWarmup, LRSchedule, OneCycleLR, PerBatch
from .messages import CLIError
from .options import int_at_least

__all__ = ["SCHEDULES", "add_schedule_options", "check_schedule_options", "schedule_of"]

#: The --lr-schedule choices (constant: none).
SCHEDULES = ("constant", "cosine", "one-cycle")


def add_schedule_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lr-schedule", choices=SCHEDULES, default="constant",
                        help="constant: --lr throughout; cosine: annealed from --lr to 0 over the epochs "
                             "(CosineAnnealingLR); one-cycle: up to --lr and far below, stepped per batch as "
                             "torch's OneCycleLR (PerBatch(OneCycleLR)) (default: constant)")
    parser.add_argument("--warmup", type=int_at_least(0), default=0, metavar="EPOCHS",
                        help="a linear warm-up from --lr / 3 over this many epochs before --lr-schedule "
                             "(LinearWarmup; not with one-cycle, which has its own) (default: 0, none)")


def check_schedule_options(args: argparse.Namespace) -> None:
    """Refuse, before the data is read, a schedule that cannot apply (one-line usage errors)."""
    if args.lr_schedule == "constant" and not args.warmup:
        return
    if args.optimizer in FULL_BATCH:
        raise CLIError(f"--lr-schedule and --warmup do not apply to --optimizer {args.optimizer}: its line "
                       "search chooses each step", code=2)
    if args.lr_schedule == "one-cycle" and args.warmup:
        raise CLIError("--warmup does not apply to --lr-schedule one-cycle: its first phase is a warm-up", code=2)
    if args.warmup and args.warmup >= args.epochs:
        raise CLIError(f"--warmup {args.warmup} must be shorter than --epochs {args.epochs}", code=2)


def schedule_of(args: argparse.Namespace, lr: float, n_train: int, batch_size: int | None) -> LRSchedule | None:
    """The schedule the (checked) options ask for, or None, for ``n_train`` rows in batches of ``batch_size``."""
    if (args.lr_schedule == "constant" and not args.warmup) or args.epochs == 0:
        return None
    if args.lr_schedule == "one-cycle":
        batches = -(-n_train // (batch_size or n_train))
        # The optimizer's rate is the peak, as torch's max_lr.
        return PerBatch(OneCycleLR(max_lr=lr, total_steps=args.epochs * batches))
    then = CosineAnnealingLR(T_max=args.epochs - args.warmup) if args.lr_schedule == "cosine" else None
    return LinearWarmup(epochs=args.warmup, then=then) if args.warmup else then
