"""L-BFGS: a full-batch quasi-Newton method, one iteration per epoch of ``fit``.

Not an entry of :data:`~fastnet.optim.optimizers.OPTIMIZERS`: that list holds
the optimizers with a per-element update kernel, which the epoch kernel
applies after every batch. L-BFGS needs the loss and gradient of the whole
data set at the points its line search tries, so ``fit`` runs it in its own
epoch phase (``fastnet/train/full_batch.py``): each evaluation is one nogil
call of the engine's ``backward``, and the NumPy here works on the flat
buffer between them.

The direction is the two-loop recursion over the last ``m`` pairs
``s = x_{k+1} - x_k``, ``y = g_{k+1} - g_k``; the step is a strong-Wolfe line
search (``line_search.py``). Iterates follow ``torch.optim.LBFGS`` with
``line_search_fn="strong_wolfe"`` (the first step ``min(1, 1/|g|_1) lr``,
then ``lr``; pairs with ``y.s <= 1e-10`` skipped; ``H0 = y.s / y.y``); the
stopping rules are scipy's L-BFGS-B (``gtol``: max |g_i|; ``tol``: the
relative decrease of the objective; ``max_fun``). docs/MATH.md has the math.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from .._core.network import all_finite
from ..checks.scalars import check_int, check_real
from .line_search import strong_wolfe
from .optimizers import _BIND_LOCK, FULL_BATCH, Optimizer, _Steppable

__all__ = ["LBFGS", "STOP_REASONS"]

#: why L-BFGS stopped: the gradient is small, the objective stopped decreasing, the evaluation budget is spent,
#: or the objective or its gradient at the current point is not finite (``fit`` raises TrainingDivergedError)
STOP_REASONS = ("gtol", "tol", "max_fun", "not_finite")
_SCIPY_FTOL = 2.220446049250313e-09   # scipy's L-BFGS-B default ftol (factr=1e7 times machine epsilon)
_CURVATURE_EPS = 1e-10                # a pair with y.s below this is not kept (torch's rule)

Floats = npt.NDArray[Any]


class _Memory:
    """The state of L-BFGS for one network: the pairs, the current point, and the line search's buffers.

    Implements the line search's ``Trial``: it evaluates the objective at
    ``x0 + t d`` through the function ``iterate`` was given.
    """

    def __init__(self, m: int, n: int, dtype: np.dtype[Any], weight_decay: float | Floats) -> None:
        self.S = np.zeros((m, n), dtype)          # s pairs, a ring: the newest at head - 1
        self.Y = np.zeros((m, n), dtype)
        self.rho = np.zeros(m)
        self.alpha = np.zeros(m)
        self.count, self.head, self.h_diag = 0, 0, 1.0
        self.d, self.x0, self.tmp, self.g = (np.zeros(n, dtype) for _ in range(4))
        self.slots = np.zeros((3, n), dtype)       # the bracket's two ends, the previous trial
        self.decay: float | Floats = (weight_decay if isinstance(weight_decay, float)
                                      else weight_decay.astype(dtype))
        self.f = math.nan           # the objective at x0 (with g its gradient), once has_point
        self.has_point = False
        self.fresh = True           # no usable pairs: the next step is steepest descent
        self.n_fun = 0
        self.stop_reason: str | None = None
        self._attach(None, None, None)

    def fits(self, m: int, n: int, dtype: np.dtype[Any]) -> bool:
        return bool(self.S.shape == (m, n) and self.S.dtype == dtype)

    def _attach(self, params: Floats | None, grads: Floats | None, data_loss: Callable[[], float] | None) -> None:
        self.params, self.grads, self.data_loss = params, grads, data_loss

    def __getstate__(self) -> dict[str, Any]:
        d = dict(vars(self))
        d.update(params=None, grads=None, data_loss=None)   # the network's buffers are not ours to pickle
        return d

    # -- the objective: the data loss plus the L2 penalty ----------------------------------
    def objective(self) -> float:
        assert self.params is not None and self.grads is not None and self.data_loss is not None
        f = self.data_loss()   # one nogil call: the loss, and its gradient into grads
        self.n_fun += 1
        if isinstance(self.decay, float) and self.decay == 0.0:
            return f
        np.multiply(self.params, self.decay, out=self.tmp)
        self.grads += self.tmp
        return f + 0.5 * float(np.dot(self.tmp, self.params))

    def penalty(self, params: Floats) -> float:
        if isinstance(self.decay, float) and self.decay == 0.0:
            return 0.0
        np.multiply(params, self.decay, out=self.tmp)
        return 0.5 * float(np.dot(self.tmp, params))

    # -- the line search's Trial -------------------------------------------------------------
    def evaluate(self, t: float) -> tuple[float, float]:
        assert self.params is not None and self.grads is not None
        np.multiply(self.d, t, out=self.params)
        self.params += self.x0
        f = self.objective()
        return f, float(np.dot(self.grads, self.d))

    def keep(self, slot: int) -> None:
        self.slots[slot] = self.grads

    def copy(self, source: int, target: int) -> None:
        self.slots[target] = self.g if source == 3 else self.slots[source]

    # -- the direction ---------------------------------------------------------------------------
    def direction(self) -> None:
        """d = -H g by the two-loop recursion over the stored pairs (newest first, then oldest first)."""
        q, m = self.d, self.S.shape[0]
        np.negative(self.g, out=q)
        for j in range(self.count):
            i = (self.head - 1 - j) % m
            self.alpha[i] = float(np.dot(self.S[i], q)) * self.rho[i]
            np.multiply(self.Y[i], self.alpha[i], out=self.tmp)
            q -= self.tmp
        q *= self.h_diag
        for j in range(self.count - 1, -1, -1):
            i = (self.head - 1 - j) % m
            beta = float(np.dot(self.Y[i], q)) * self.rho[i]
            np.multiply(self.S[i], self.alpha[i] - beta, out=self.tmp)
            q += self.tmp

    def remember(self, t: float, g_new: Floats) -> None:
        """Store the pair of this step (s = t d, y = g_new - g) unless its curvature y.s is too small."""
        i = self.head
        np.multiply(self.d, t, out=self.S[i])
        np.subtract(g_new, self.g, out=self.Y[i])
        ys = float(np.dot(self.Y[i], self.S[i]))
        if ys > _CURVATURE_EPS:
            self.rho[i] = 1.0 / ys
            self.h_diag = ys / float(np.dot(self.Y[i], self.Y[i]))
            self.head = (i + 1) % self.S.shape[0]
            self.count = min(self.count + 1, self.S.shape[0])
        self.fresh = False   # from now on the two-loop direction (-h_diag g while no pair is kept), step lr

    def abs_max(self, v: Floats) -> float:
        return float(np.abs(v, out=self.tmp).max())

    def forget(self) -> None:
        self.count, self.head, self.h_diag, self.fresh = 0, 0, 1.0, True


def _weight_decay(value: Any) -> float | npt.NDArray[np.float64]:
    if isinstance(value, np.ndarray) or isinstance(value, (list, tuple)):
        decay = np.array(value, dtype=np.float64)
        if decay.ndim != 1 or not np.isfinite(decay).all() or (decay < 0).any():
            raise ValueError("weight_decay must be a number >= 0 or a 1-D array of finite values >= 0 "
                             f"(one per parameter), got an array of shape {decay.shape}")
        return decay
    return check_real("weight_decay", value, low=0.0)


class LBFGS(Optimizer):
    """Limited-memory BFGS over the whole training set: ``net.fit(X, Y, optimizer=LBFGS(), epochs=n)``.

    One epoch is one iteration: a direction from the last ``m`` steps and a
    strong-Wolfe line search of at most ``max_ls`` evaluations (each one nogil
    call over the whole data set). ``fit`` stops before ``epochs`` when
    ``max |g_i| <= gtol``, when the objective decreased by at most ``tol``
    relative to ``max(|f|, |f_new|, 1)`` (scipy's ``ftol``), or after ``max_fun``
    evaluations; :attr:`stop_reason` says which. ``lr`` scales the trial step
    (``torch.optim.LBFGS``'s ``lr``); ``weight_decay`` adds ``wd/2 |x|^2`` to
    the objective: a number for every parameter, or one value per parameter.
    ``batch_size`` must be None (full batch); ``lr_schedule`` and ``max_norm``
    do not apply.
    """

    name = "lbfgs"
    #: run by fit's full-batch phase, not by the epoch kernel (no kernel id)
    full_batch: ClassVar[bool] = True
    state: _Memory | None

    def __init__(self, m: int = 10, tol: float = _SCIPY_FTOL, gtol: float = 1e-5, max_ls: int = 20,
                 max_fun: int | None = None, lr: float = 1.0, weight_decay: float | npt.ArrayLike = 0.0) -> None:
        super().__init__(lr)
        self.m = check_int("m", m, low=1)
        self.tol = check_real("tol", tol, low=0.0)
        self.gtol = check_real("gtol", gtol, low=0.0)
        self.max_ls = check_int("max_ls", max_ls, low=1)
        self.max_fun = check_int("max_fun", max_fun, low=1, allow_none=True)
        self.weight_decay = _weight_decay(weight_decay)
        self._unpickled = False

    @property
    def hyperparameters(self) -> dict[str, Any]:
        return {"m": self.m, "tol": self.tol, "gtol": self.gtol, "max_ls": self.max_ls, "max_fun": self.max_fun,
                "lr": self.lr, "weight_decay": self.weight_decay}

    @property
    def n_fun(self) -> int:
        """Evaluations of the loss and gradient since the state began."""
        return 0 if self.state is None else self.state.n_fun

    @property
    def stop_reason(self) -> str | None:
        """Why the last iteration asked ``fit`` to stop (one of :data:`STOP_REASONS`), or None."""
        return None if self.state is None else self.state.stop_reason

    def step(self, net: _Steppable) -> None:
        raise TypeError("LBFGS has no step from net.grads alone: it evaluates the loss along a line search. "
                        "Train with net.fit(X, Y, optimizer=LBFGS(), epochs=n) (one iteration per epoch)")

    def bind(self, net: Any) -> None:
        """Attach to ``net``: fresh memory, unless it is this network's (or a pickled one being restored)."""
        n, dtype = int(net.n_params), np.dtype(net.dtype)
        if isinstance(self.weight_decay, np.ndarray) and self.weight_decay.shape != (n,):
            raise ValueError(f"weight_decay has {self.weight_decay.shape[0]} values; this network has {n} "
                             "parameters (give one per parameter, or a number)")
        with _BIND_LOCK:
            owner = self._owner() if self._owner is not None else None
            if owner is not None and owner is not net:
                raise ValueError("this LBFGS already holds state for another network; use one optimizer "
                                 "per network (or call reset() first)")
            adopt = owner is net or self._unpickled
            if not (adopt and self.state is not None and self.state.fits(self.m, n, dtype)):
                if owner is net and self.state is not None:
                    raise ValueError(f"LBFGS(m={self.m}) no longer matches its memory of "
                                     f"{self.state.S.shape[0]} pairs: call reset() to start afresh")
                self.state, self.t = _Memory(self.m, n, dtype, self.weight_decay), 0
            self._owner, self._unpickled = weakref.ref(net), False

    def __setstate__(self, d: dict[str, Any]) -> None:
        super().__setstate__(d)
        self._unpickled = self.state is not None   # bind() adopts the pickled memory

    def begin(self) -> None:
        """A new ``fit``: its data may differ from the last one's, so the point is evaluated afresh (the pairs stay)."""
        if self.state is not None:
            self.state.has_point, self.state.stop_reason = False, None

    def iterate(self, params: Floats, grads: Floats, data_loss: Callable[[], float]) -> tuple[float, str | None]:
        """One iteration from ``params`` (updated in place); returns (the data loss there, stop reason or None).

        ``data_loss()`` evaluates the loss at ``params`` and writes its gradient
        into ``grads``. An exception (Ctrl-C) during the line search puts the
        parameters back where the iteration started.
        """
        mem = self.state
        assert mem is not None, "iterate() before bind()"
        mem._attach(params, grads, data_loss)
        try:
            return self._iterate(mem, params, grads)
        finally:
            mem._attach(None, None, None)

    def _iterate(self, mem: _Memory, params: Floats, grads: Floats) -> tuple[float, str | None]:
        np.subtract(params, mem.x0, out=mem.tmp)
        if not mem.has_point or mem.tmp.any():     # first iteration, or the parameters were changed since
            mem.x0[:] = params
            mem.f, mem.has_point = mem.objective(), True
            mem.g[:] = grads
        if not (math.isfinite(mem.f) and all_finite(mem.g)):
            mem.has_point, mem.stop_reason = False, "not_finite"
            return math.nan, "not_finite"
        if mem.abs_max(mem.g) <= self.gtol:
            mem.stop_reason = "gtol"
            return mem.f - mem.penalty(params), "gtol"
        gtd = self._direction(mem)
        try:
            t, f_new, _, slot = strong_wolfe(mem, self._first_step(mem), mem.f, gtd,
                                             mem.abs_max(mem.d), max_ls=self.max_ls)
        except BaseException:
            params[:] = mem.x0
            raise
        np.multiply(mem.d, t, out=params)
        params += mem.x0
        g_new = mem.slots[slot]
        if not (math.isfinite(f_new) and all_finite(g_new)):   # a finite loss with an overflowing gradient
            params[:] = mem.x0
            mem.forget()
            mem.stop_reason = "not_finite"
            return math.nan, "not_finite"
        mem.remember(t, g_new)
        mem.g[:] = g_new
        mem.x0[:] = params
        f_old, mem.f = mem.f, f_new
        self.t += 1
        mem.stop_reason = self._stop_reason(mem, f_old)
        return f_new - mem.penalty(params), mem.stop_reason

    def _direction(self, mem: _Memory) -> float:
        """Fill mem.d; returns g.d (< 0). A non-descent direction from the memory restarts it."""
        if not mem.fresh:
            mem.direction()
            gtd = float(np.dot(mem.g, mem.d))
            if gtd < 0:
                return gtd
            mem.forget()
        np.negative(mem.g, out=mem.d)
        return -float(np.dot(mem.g, mem.g))

    def _first_step(self, mem: _Memory) -> float:
        if mem.fresh:   # steepest descent: scaled so that the first step moves at most lr in l1 norm
            return min(1.0, 1.0 / float(np.abs(mem.g, out=mem.tmp).sum())) * self.lr
        return self.lr

    def _stop_reason(self, mem: _Memory, f_old: float) -> str | None:
        if mem.abs_max(mem.g) <= self.gtol:
            return "gtol"
        if f_old - mem.f <= self.tol * max(abs(f_old), abs(mem.f), 1.0):
            return "tol"
        if self.max_fun is not None and mem.n_fun >= self.max_fun:
            return "max_fun"
        return None


FULL_BATCH["lbfgs"] = LBFGS   # make_optimizer("lbfgs"): not a kernel, so not in OPTIMIZERS
