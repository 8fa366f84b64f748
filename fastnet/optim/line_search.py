"""The strong-Wolfe line search of :class:`fastnet.LBFGS` (docs/MATH.md, "L-BFGS").

Along a descent direction ``d`` from ``x0`` it looks for a step ``t`` with

* sufficient decrease: ``f(x0 + t d) <= f(x0) + c1 t g0.d``, and
* the strong curvature condition: ``|g(x0 + t d).d| <= c2 |g0.d|``,

first stepping out (each trial step chosen by cubic interpolation, between
1.01 and 10 times the last) until a trial fails one of the conditions or
the slope turns positive, then zooming into the bracket found (Nocedal and
Wright, Algorithms 3.5 and 3.6). The decisions -- the cubic interpolation,
the safeguard that moves a trial away from the bracket's ends when it makes
too little progress, when the zoom stops -- are those of ``torch.optim.LBFGS``
with ``line_search_fn="strong_wolfe"``, so that the two take the same steps.

The search does not touch the parameters itself: it asks a :class:`Trial`,
which evaluates the objective at ``x0 + t d`` and keeps the gradients of the
bracket's two ends in its own buffers (no allocation per evaluation).
"""

from __future__ import annotations

import math
from typing import Protocol

__all__ = ["Trial", "strong_wolfe", "cubic_minimum"]

#: the zoom stops when the bracket is this short, measured as |t_hi - t_lo| * max|d| (torch's tolerance_change)
BRACKET_TOL = 1e-9


class Trial(Protocol):
    """What the search evaluates: ``f`` and ``g.d`` at ``x0 + t d``, the gradient kept in a slot."""

    def evaluate(self, t: float) -> tuple[float, float]:
        """The objective and its slope ``g.d`` at ``x0 + t d`` (the gradient stays as the last evaluated)."""
        ...

    def keep(self, slot: int) -> None:
        """Copy the last evaluated gradient into ``slot`` (0 or 1: a bracket end, 2: the previous trial)."""
        ...

    def copy(self, source: int, target: int) -> None:
        """Copy the gradient of slot ``source`` into slot ``target`` (slot 3 holds the gradient at ``x0``)."""
        ...


def cubic_minimum(x1: float, f1: float, g1: float, x2: float, f2: float, g2: float,
                  bounds: tuple[float, float] | None = None) -> float:
    """The minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), clipped to ``bounds``.

    Without real minimiser (or with non-finite values), the middle of the bounds.
    """
    low, high = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 * d1 - g1 * g2
    if d2_square >= 0:
        d2 = math.sqrt(d2_square)
        if x1 <= x2:
            t = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            t = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        if math.isfinite(t):
            return min(max(t, low), high)
    return (low + high) / 2.0


def _worse(f_new: float, f0: float, c1: float, t: float, gtd0: float) -> bool:
    # Not finite counts as too far: the bracket shrinks towards x0.
    return not math.isfinite(f_new) or f_new > f0 + c1 * t * gtd0


def strong_wolfe(trial: Trial, t: float, f0: float, gtd0: float, d_norm: float, *,
                 c1: float = 1e-4, c2: float = 0.9, max_ls: int = 20) -> tuple[float, float, int, int]:
    """Search from step ``t``; returns (step, objective there, evaluations, slot holding its gradient)."""
    f_new, gtd_new = trial.evaluate(t)
    evals, ls_iter = 1, 0
    t_prev, f_prev, gtd_prev = 0.0, f0, gtd0
    trial.copy(3, 2)            # the previous trial's gradient: x0's
    bracket: list[float] = []
    bracket_f: list[float] = []
    bracket_gtd: list[float] = []
    done = False
    while ls_iter < max_ls:     # step out until the minimum is bracketed
        bracketed = _worse(f_new, f0, c1, t, gtd0) or (ls_iter > 1 and f_new >= f_prev)
        if not bracketed and abs(gtd_new) <= -c2 * gtd0:
            bracket, bracket_f, done = [t], [f_new], True
            trial.keep(0)
            break
        if bracketed or gtd_new >= 0:
            bracket, bracket_f, bracket_gtd = [t_prev, t], [f_prev, f_new], [gtd_prev, gtd_new]
            trial.copy(2, 0)
            trial.keep(1)
            break
        step = cubic_minimum(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(t + 0.01 * (t - t_prev), t * 10))
        t_prev, f_prev, gtd_prev = t, f_new, gtd_new
        trial.keep(2)
        t = step
        f_new, gtd_new = trial.evaluate(t)
        evals += 1
        ls_iter += 1
    if ls_iter == max_ls:        # never bracketed: the better of x0 and the last trial
        bracket, bracket_f = [0.0, t], [f0, f_new]
        trial.copy(3, 0)
        trial.keep(1)
    low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    if not done and ls_iter < max_ls:
        low, evals = _zoom(trial, bracket, bracket_f, bracket_gtd, f0, gtd0, d_norm, c1, c2,
                           max_ls - ls_iter, evals)
    return bracket[low], bracket_f[low], evals, low


def _zoom(trial: Trial, bracket: list[float], bracket_f: list[float], bracket_gtd: list[float], f0: float,
          gtd0: float, d_norm: float, c1: float, c2: float, budget: int, evals: int) -> tuple[int, int]:
    """Shrink the bracket [t_lo, t_hi] until a step meets both conditions; returns (low end, evaluations)."""
    insufficient_progress = False
    low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
    for _ in range(budget):
        if abs(bracket[1] - bracket[0]) * d_norm < BRACKET_TOL:
            break
        t = cubic_minimum(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1])
        # A trial too close to an end of the bracket makes little progress: move it 10% inside.
        lo_t, hi_t = min(bracket), max(bracket)
        eps = 0.1 * (hi_t - lo_t)
        if min(hi_t - t, t - lo_t) < eps:
            if insufficient_progress or t >= hi_t or t <= lo_t:
                t = hi_t - eps if abs(t - hi_t) < abs(t - lo_t) else lo_t + eps
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False
        f_new, gtd_new = trial.evaluate(t)
        evals += 1
        if _worse(f_new, f0, c1, t, gtd0) or f_new >= bracket_f[low]:
            bracket[high], bracket_f[high], bracket_gtd[high] = t, f_new, gtd_new
            trial.keep(high)
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
            continue
        done = abs(gtd_new) <= -c2 * gtd0
        if not done and gtd_new * (bracket[high] - bracket[low]) >= 0:
            bracket[high], bracket_f[high], bracket_gtd[high] = bracket[low], bracket_f[low], bracket_gtd[low]
            trial.copy(low, high)
        bracket[low], bracket_f[low], bracket_gtd[low] = t, f_new, gtd_new
        trial.keep(low)
        if done:
            break
    return low, evals
