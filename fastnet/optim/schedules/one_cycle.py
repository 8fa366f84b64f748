"""``OneCycleLR``: the 1cycle policy of Smith & Topin, with torch's phases and formulas, one step per epoch."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import numpy.typing as npt

from ...checks.scalars import check_bool, check_choice, check_int, check_real
from .base import HistoryLike, LRSchedule

__all__ = ["OneCycleLR"]


class OneCycleLR(LRSchedule):
    """From ``max_lr / div_factor`` up to ``max_lr`` over the first ``pct_start`` of
    ``total_steps``, then down to ``max_lr / (div_factor * final_div_factor)``
    (torch's ``OneCycleLR``; ``three_phase=True`` comes back to the initial rate
    before the final descent).

    A step is an epoch here (torch steps it per batch): ``total_steps`` is the
    number of epochs, and ``fit`` refuses more epochs than that. The
    optimizer's ``lr`` is not used (torch overwrites it too); its momentum is not
    cycled (torch's ``cycle_momentum`` has no counterpart: the rate is the only
    hyperparameter a schedule sets).
    """

    def __init__(self, max_lr: float, total_steps: int, pct_start: float = 0.3,
                 anneal_strategy: Literal["cos", "linear"] = "cos", div_factor: float = 25.0,
                 final_div_factor: float = 1e4, three_phase: bool = False) -> None:
        self.max_lr = check_real("max_lr", max_lr, low=0.0, low_open=True)
        self.total_steps = check_int("total_steps", total_steps, low=1)
        self.pct_start = check_real("pct_start", pct_start, low=0.0, high=1.0)
        self.anneal_strategy = check_choice("anneal_strategy", anneal_strategy, ("cos", "linear"))
        self.div_factor = check_real("div_factor", div_factor, low=0.0, low_open=True)
        self.final_div_factor = check_real("final_div_factor", final_div_factor, low=0.0, low_open=True)
        self.three_phase = check_bool("three_phase", three_phase)
        initial = self.max_lr / self.div_factor
        lowest = initial / self.final_div_factor
        if not lowest > 0.0:
            raise ValueError(f"max_lr / (div_factor * final_div_factor) must be > 0, got {lowest!r} "
                             f"(max_lr={self.max_lr!r}, div_factor={self.div_factor!r}, "
                             f"final_div_factor={self.final_div_factor!r})")
        # (last step of the phase, rate at its start, rate at its end): torch's _schedule_phases
        up_end = float(self.pct_start * self.total_steps) - 1
        if self.three_phase:
            self._phases = [(up_end, initial, self.max_lr),
                            (float(2 * self.pct_start * self.total_steps) - 2, self.max_lr, initial),
                            (float(self.total_steps - 1), initial, lowest)]
        else:
            self._phases = [(up_end, initial, self.max_lr), (float(self.total_steps - 1), self.max_lr, lowest)]
        self._check_phases()

    def _check_phases(self) -> None:
        # Only the first phase can hold a step and have zero length: when pct_start * total_steps
        # is 1 it ends at step 0 where it starts, and torch divides by zero (ZeroDivisionError).
        if self._phases[0][0] == 0.0:
            raise ValueError(f"OneCycleLR(total_steps={self.total_steps}, pct_start={self.pct_start!r}) has a "
                             f"warm-up phase of zero epochs (pct_start * total_steps = 1, where torch divides "
                             f"by zero); choose another pct_start")

    def lr(self, epoch: int, base_lr: float, history: HistoryLike) -> float:
        if epoch >= self.total_steps:
            raise ValueError(f"OneCycleLR has total_steps={self.total_steps} epochs; epoch {epoch} (0-based) "
                             f"is past its end")
        start = 0.0
        for i, (end, lr_from, lr_to) in enumerate(self._phases):
            if epoch <= end or i == len(self._phases) - 1:
                pct = (epoch - start) / (end - start)
                if self.anneal_strategy == "cos":   # torch's _annealing_cos and _annealing_linear
                    return lr_to + (lr_from - lr_to) / 2.0 * (math.cos(math.pi * pct) + 1)
                return (lr_to - lr_from) * pct + lr_from
            start = end
        raise AssertionError("unreachable: the last phase takes every epoch")

    def lr_steps(self, steps: npt.NDArray[np.int64], base_lr: float) -> npt.NDArray[np.float64]:
        if steps.size and steps.max() >= self.total_steps:
            raise ValueError(f"OneCycleLR has total_steps={self.total_steps}; step {int(steps.max())} "
                             f"(0-based) is past its end")
        rates = np.empty(steps.shape)
        ends = np.array([end for end, _, _ in self._phases])
        phase = np.minimum(np.searchsorted(ends, steps, side="left"), len(self._phases) - 1)
        starts = np.concatenate([[0.0], ends[:-1]])
        for i, (end, lr_from, lr_to) in enumerate(self._phases):
            chosen = phase == i
            pct = (steps[chosen] - starts[i]) / (end - starts[i])
            if self.anneal_strategy == "cos":
                rates[chosen] = lr_to + (lr_from - lr_to) / 2.0 * (np.cos(np.pi * pct) + 1)
            else:
                rates[chosen] = (lr_to - lr_from) * pct + lr_from
        return rates

    def check_epochs(self, epochs: int) -> None:
        if epochs > self.total_steps:
            raise ValueError(f"OneCycleLR(total_steps={self.total_steps}) gives the rates of {self.total_steps} "
                             f"epochs (a step is an epoch here), but fit runs epochs={epochs}: "
                             f"make total_steps >= epochs")
