"""Optimizer update rules over one flat parameter list (docs/MATH.md, "Optimizers").

``update(optimizer, params, grads, state, t)`` changes ``params`` (and ``state``) in
place. The hyperparameters and the state live in the shared
:class:`fastnet.optim.optimizers.Optimizer` objects; this module is only the arithmetic,
element by element, as ``torch.optim`` publishes it.

``state`` is a list of ``optimizer.n_state`` lists, each as long as ``params``:
the rows ``optimizer.state_rows`` names, which depend on the hyperparameters, in
the order of ``fastnet/_core/optimizers.pxd``: SGD ``[buf]`` with momentum, else
none; Adam and AdamW ``[m, v]`` plus ``v_max`` with amsgrad; RMSprop ``[s]``
plus ``g_avg`` when centered and ``buf`` with momentum; Adagrad ``[s]``. ``t``
is the 1-based number of this step. The gradient list is never modified.

Each rule takes the hyperparameters by name, the names of the kernels'
structs (``optimizer.hyper_names``, from ``fastnet/_core/optimizers.pxd``),
booleans as 0.0 / 1.0 as the kernels get them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from ..optim import optimizers as _shared

__all__ = ["update", "UPDATES", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad"]

SGD, Adam, AdamW, RMSprop, Adagrad = (_shared.SGD, _shared.Adam, _shared.AdamW,
                                      _shared.RMSprop, _shared.Adagrad)

#: The state rows of one network, by name (``optimizer.state_rows``).
State = dict[str, list[float]]


def _with_weight_decay(g: float, p: float, weight_decay: float) -> float:
    # L2 regularisation folded into the gradient: d/dp (wd/2 p^2) = wd p.
    # Skipped at 0 (as torch) so an infinite p cannot turn a finite g into NaN via 0 * inf.
    return g + weight_decay * p if weight_decay != 0 else g


def _sgd(params: list[float], grads: list[float], state: State, t: int, *,
         lr: float, momentum: float, dampening: float, nesterov: float, weight_decay: float) -> None:
    buf = state.get("buf", [])   # only with momentum
    for i, (p, g) in enumerate(zip(params, grads)):
        g = _with_weight_decay(g, p, weight_decay)
        if momentum != 0:
            # buf is a running sum of past gradients: a heavy ball keeps rolling.
            buf[i] = g if t == 1 else momentum * buf[i] + (1.0 - dampening) * g
            g = g + momentum * buf[i] if nesterov else buf[i]   # Nesterov: look one step ahead
        params[i] = p - lr * g


def _adam(params: list[float], grads: list[float], state: State, t: int, *,
          lr: float, beta1: float, beta2: float, eps: float, weight_decay: float, amsgrad: float) -> None:
    m, v, v_max = state["m"], state["v"], state.get("v_max", [])   # v_max only with amsgrad
    # m and v start at 0 and so are biased towards 0 early on; dividing by
    # 1 - beta^t undoes that bias exactly.
    step_size = lr / (1.0 - beta1 ** t)
    bias2_sqrt = math.sqrt(1.0 - beta2 ** t)
    for i, (p, g) in enumerate(zip(params, grads)):
        g = _with_weight_decay(g, p, weight_decay)
        m[i] = beta1 * m[i] + (1.0 - beta1) * g          # mean of g
        v[i] = beta2 * v[i] + (1.0 - beta2) * g * g      # uncentred variance of g
        if amsgrad:
            v_max[i] = max(v_max[i], v[i])               # never let the step size grow back
            v_hat = v_max[i]
        else:
            v_hat = v[i]
        params[i] = p - step_size * m[i] / (math.sqrt(v_hat) / bias2_sqrt + eps)


def _adamw(params: list[float], grads: list[float], state: State, t: int, *,
           lr: float, beta1: float, beta2: float, eps: float, weight_decay: float, amsgrad: float) -> None:
    # Decoupled weight decay: shrink p directly, not through the gradient (so the
    # decay is not rescaled by Adam's per-parameter step size).
    for i, p in enumerate(params):
        params[i] = p * (1.0 - lr * weight_decay)
    _adam(params, grads, state, t, lr=lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=0.0, amsgrad=amsgrad)


def _rmsprop(params: list[float], grads: list[float], state: State, t: int, *,
             lr: float, alpha: float, eps: float, weight_decay: float, momentum: float, centered: float) -> None:
    s, g_avg, buf = state["s"], state.get("g_avg", []), state.get("buf", [])   # when centered; with momentum
    for i, (p, g) in enumerate(zip(params, grads)):
        g = _with_weight_decay(g, p, weight_decay)
        s[i] = alpha * s[i] + (1.0 - alpha) * g * g     # running mean of g^2
        if centered:
            # Divide by the running standard deviation instead of the RMS. It is >= 0
            # in exact arithmetic; rounding can push it a hair below, so clamp (NaN passes).
            g_avg[i] = alpha * g_avg[i] + (1.0 - alpha) * g
            variance = s[i] - g_avg[i] * g_avg[i]
            d = math.sqrt(0.0 if variance < 0.0 else variance) + eps
        else:
            d = math.sqrt(s[i]) + eps
        if momentum > 0:
            buf[i] = momentum * buf[i] + g / d
            params[i] = p - lr * buf[i]
        else:
            params[i] = p - lr * (g / d)


def _adagrad(params: list[float], grads: list[float], state: State, t: int, *,
             lr: float, lr_decay: float, weight_decay: float, eps: float, initial_accumulator_value: float) -> None:
    # initial_accumulator_value is where s started (the network filled the state with it).
    s = state["s"]
    # s only grows, so each parameter's step shrinks with the gradients it has seen.
    clr = lr / (1.0 + (t - 1) * lr_decay)
    for i, (p, g) in enumerate(zip(params, grads)):
        g = _with_weight_decay(g, p, weight_decay)
        s[i] = s[i] + g * g
        params[i] = p - clr * g / (math.sqrt(s[i]) + eps)


#: name -> rule(params, grads, state, t, **hyperparameters), in place on params and state;
#: the keys are exactly those of fastnet.optim.optimizers.OPTIMIZERS.
UPDATES: dict[str, Callable[..., None]] = {
    "sgd": _sgd,
    "adam": _adam,
    "adamw": _adamw,
    "rmsprop": _rmsprop,
    "adagrad": _adagrad,
}


def update(optimizer: _shared.Optimizer, params: list[float], grads: Sequence[float], state: list[list[float]],
           t: int) -> None:
    """One step of ``optimizer``'s rule, in place on ``params`` and ``state``.

    params: flat list of floats (changed in place). grads: same length (read only).
    state: ``optimizer.n_state`` lists of ``len(params)`` floats (changed in place).
    t: the 1-based number of this step. Hyperparameters come from ``optimizer.hyper_vector()``,
    by the kernels' names (``optimizer.hyper_names``).
    """
    n = len(params)
    if len(grads) != n:
        raise ValueError(f"grads has {len(grads)} entries but params has {n}")
    if len(state) != optimizer.n_state or any(len(row) != n for row in state):
        raise ValueError(f"state must be {optimizer.n_state} lists of {n} floats for {optimizer.name!r} "
                         f"(rows {', '.join(optimizer.state_rows) or 'none'}), got {[len(row) for row in state]}")
    if t < 1:
        raise ValueError(f"t is the 1-based step number, got {t}")
    # Everything as Python floats (doubles), whatever the caller passed.
    params[:] = [float(p) for p in params]
    for row in state:
        row[:] = [float(v) for v in row]
    hyper = dict(zip(optimizer.hyper_names, optimizer.hyper_vector(), strict=True))
    rows = dict(zip(optimizer.state_rows, state))   # by name: which rows exist depends on hyper
    UPDATES[optimizer.name](params, [float(g) for g in grads], rows, t, **hyper)
