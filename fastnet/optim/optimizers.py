"""The optimizers: hyperparameters, their checks, and the state they keep.

These classes are the one list of optimizers and are shared by the compiled
:class:`fastnet.Network` and :mod:`fastnet.reference`: an optimizer holds its
hyperparameters and its state vectors (momentum, Adam's moments, ...), and
asks the network it steps to apply the update (a Cython kernel over the flat
buffer, or the pure-Python reference loop). Update rules follow ``torch.optim``
and are written out in ``docs/MATH.md``.

Pure Python (no NumPy), so that the reference can use it. The order of the
hyperparameters in the vector the kernels read is not written here: it is
the field order of the kernels' structs (``SGDHyper``, ... in
``fastnet/_core/optimizers.pxd``), which ``HYPERPARAMETERS`` of the compiled
module lists, and :meth:`Optimizer.hyper_vector` reads the attributes of
those names.
"""

from __future__ import annotations

import abc
import contextlib
import threading
import weakref
from collections.abc import Callable
from typing import Any, ClassVar, Protocol

from .._core.optimizers import HYPERPARAMETERS as _KERNEL_HYPERPARAMETERS
from ..checks.scalars import check_bool, check_real

_BIND_LOCK = threading.Lock()

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "OPTIMIZERS", "make_optimizer", "default_optimizer"]


class _Steppable(Protocol):
    """What an optimizer steps: the compiled :class:`fastnet.Network` or the reference one."""

    def _new_optimizer_state(self, optimizer: Optimizer) -> Any: ...

    def _optimizer_update(self, optimizer: Optimizer) -> None: ...


class Optimizer(abc.ABC):
    """Base class. Subclasses set ``name`` and, when they keep state, :attr:`state_rows`.

    An optimizer keeps state for one network (like ``torch.optim``, which is
    built over one set of parameters): the first :meth:`step` binds it.
    """

    #: position in the kernels' list (``OptimizerId`` in ``fastnet/_core/optimizers.pxd``), set below
    kernel_id: ClassVar[int] = -1
    name: ClassVar[str] = ""
    #: the names of the hyperparameters, in the order the kernel reads them (set below, from the kernel)
    hyper_names: ClassVar[tuple[str, ...]] = ("lr",)

    t: int  #: steps taken
    #: (n_state, n_params) array for fastnet.Network, lists for the reference; None before the first step
    state: Any

    def __init__(self, lr: float) -> None:
        self.lr = lr
        self.t = 0
        self.state = None
        self._owner: weakref.ref[Any] | None = None

    @property
    def lr(self) -> float:
        """The learning rate, > 0. Checked here, where users set it, for every later reader."""
        return self._lr

    @lr.setter
    def lr(self, lr: float) -> None:
        self._lr = check_real("lr", lr, low=0.0, low_open=True)

    # -- what the kernels read --------------------------------------------------
    def hyper_vector(self) -> list[float]:
        """The hyperparameters as floats, in the order the update kernel reads them (booleans as 0.0 / 1.0)."""
        return [float(getattr(self, name)) for name in self.hyper_names]

    @property
    def state_rows(self) -> tuple[str, ...]:
        """Names of the state vectors these hyperparameters use, in the kernel's row order.

        Only the rows in use are kept, as ``torch.optim`` creates its buffers
        lazily: plain SGD keeps none, Adam keeps ``v_max`` only with amsgrad.
        The kernels apply the same rule (``state_rows`` in
        ``fastnet/_core/optimizers.pyx``; a test holds the two together).
        """
        return ()

    @property
    def n_state(self) -> int:
        """How many state rows, each as long as the parameter buffer."""
        return len(self.state_rows)

    def initial_state_value(self, row: int) -> float:
        """The value state row ``row`` starts at (0 unless the rule says otherwise)."""
        return 0.0

    # -- use ----------------------------------------------------------------------
    def step(self, net: _Steppable) -> None:
        """One in-place update of ``net.params`` from ``net.grads``.

        Under the network's lock when it has one, so that two threads stepping
        one network count every step once.
        """
        lock = getattr(net, "_lock", None)
        with lock if lock is not None else contextlib.nullcontext():
            self.bind(net)
            self.t += 1
            try:
                net._optimizer_update(self)
            except BaseException:
                self.t -= 1  # the step was refused or undone
                raise

    def bind(self, net: _Steppable) -> None:
        """Attach to ``net``, creating the state on first use."""
        # One lock for all optimizers: two threads binding one fresh optimizer to
        # two networks must not both see it free.
        with _BIND_LOCK:
            owner = self._owner() if self._owner is not None else None
            if owner is net:
                self._check_state_rows()
                return
            if owner is not None:
                raise ValueError(f"this {type(self).__name__} already holds state for another network; "
                                 "use one optimizer per network (or call reset() first)")
            self.state = net._new_optimizer_state(self)
            self.t = 0
            self._owner = weakref.ref(net)

    def _check_state_rows(self) -> None:
        if self.state is not None and len(self.state) != self.n_state:
            rows = ", ".join(self.state_rows) or "none"
            raise ValueError(f"optimizer.state of this {type(self).__name__} has {len(self.state)} rows but "
                             f"its hyperparameters use {self.n_state} ({rows}): the state was replaced, or "
                             "momentum, amsgrad or centered changed after it was made; call reset() to "
                             "start the state afresh")

    def reset(self) -> None:
        """Forget the state and the network, as a freshly built optimizer."""
        self.state, self.t, self._owner = None, 0, None

    @property
    def hyperparameters(self) -> dict[str, Any]:
        """The constructor's arguments, by name (``type(opt)(**opt.hyperparameters)`` is a fresh copy)."""
        return {"lr": self.lr, **{k: v for k, v in vars(self).items()
                                  if not k.startswith("_") and k not in ("t", "state")}}

    def __getstate__(self) -> dict[str, Any]:
        d = dict(vars(self))
        d["_owner"] = None  # a weak reference does not pickle; the network re-binds on load
        return d

    def __setstate__(self, d: dict[str, Any]) -> None:
        if "lr" in d:  # pickled by fastnet 0.1, which kept lr as a plain attribute
            d = {("_lr" if k == "lr" else k): v for k, v in d.items()}
        vars(self).update(d)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters.items())
        return f"{type(self).__name__}({args})"


def _betas(betas: tuple[float, float]) -> tuple[float, float]:
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    return (check_real("betas[0]", betas[0], low=0.0, high=1.0, high_open=True),
            check_real("betas[1]", betas[1], low=0.0, high=1.0, high_open=True))


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, Nesterov momentum and weight decay."""

    name = "sgd"

    def __init__(self, lr: float = 0.01, momentum: float = 0.0, dampening: float = 0.0, nesterov: bool = False,
                 weight_decay: float = 0.0) -> None:
        super().__init__(lr)
        self.momentum = check_real("momentum", momentum, low=0.0)
        self.dampening = check_real("dampening", dampening, low=0.0, high=1.0)
        self.nesterov = check_bool("nesterov", nesterov)
        self.weight_decay = check_real("weight_decay", weight_decay, low=0.0)
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError("nesterov=True needs momentum > 0 and dampening = 0, "
                             f"got momentum={self.momentum}, dampening={self.dampening}")

    @property
    def state_rows(self) -> tuple[str, ...]:
        return ("buf",) if self.momentum != 0 else ()


class Adam(Optimizer):
    """Adam (Kingma and Ba), with optional L2 weight decay and AMSGrad."""

    name = "adam"

    def __init__(self, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False) -> None:
        super().__init__(lr)
        self.betas = _betas(betas)
        self.eps = check_real("eps", eps, low=0.0, low_open=True)
        self.weight_decay = check_real("weight_decay", weight_decay, low=0.0)
        self.amsgrad = check_bool("amsgrad", amsgrad)

    # The kernel reads the pair as two numbers.
    @property
    def beta1(self) -> float:
        return self.betas[0]

    @property
    def beta2(self) -> float:
        return self.betas[1]

    @property
    def state_rows(self) -> tuple[str, ...]:
        return ("m", "v", "v_max") if self.amsgrad else ("m", "v")


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter)."""

    name = "adamw"

    def __init__(self, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False) -> None:
        super().__init__(lr, betas, eps, weight_decay, amsgrad)


class RMSprop(Optimizer):
    """RMSprop, optionally centred and with momentum."""

    name = "rmsprop"

    def __init__(self, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0.0,
                 momentum: float = 0.0, centered: bool = False) -> None:
        super().__init__(lr)
        self.alpha = check_real("alpha", alpha, low=0.0, high=1.0)
        self.eps = check_real("eps", eps, low=0.0, low_open=True)
        self.weight_decay = check_real("weight_decay", weight_decay, low=0.0)
        self.momentum = check_real("momentum", momentum, low=0.0)
        self.centered = check_bool("centered", centered)

    @property
    def state_rows(self) -> tuple[str, ...]:
        return ("s",) + (("g_avg",) if self.centered else ()) + (("buf",) if self.momentum > 0 else ())


class Adagrad(Optimizer):
    """Adagrad, with learning-rate decay and an initial accumulator value."""

    name = "adagrad"

    def __init__(self, lr: float = 1e-2, lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10) -> None:
        super().__init__(lr)
        self.lr_decay = check_real("lr_decay", lr_decay, low=0.0)
        self.weight_decay = check_real("weight_decay", weight_decay, low=0.0)
        self.initial_accumulator_value = check_real("initial_accumulator_value",
                                                    initial_accumulator_value, low=0.0)
        self.eps = check_real("eps", eps, low=0.0, low_open=True)

    @property
    def state_rows(self) -> tuple[str, ...]:
        return ("s",)

    def initial_state_value(self, row: int) -> float:
        return self.initial_accumulator_value


#: name -> class, in the kernels' order (``OptimizerId`` in ``fastnet/_core/optimizers.pxd``; a test checks it)
#: (Typed by the classes, whose every hyperparameter has a default, so that ``OPTIMIZERS[name]()`` type-checks.)
OPTIMIZERS: dict[str, type[SGD | Adam | RMSprop | Adagrad]] = {cls.name: cls for cls in (SGD, Adam, AdamW, RMSprop, Adagrad)}
for _i, _cls in enumerate(OPTIMIZERS.values()):
    _cls.kernel_id = _i
    _cls.hyper_names = _KERNEL_HYPERPARAMETERS[_i]
del _i, _cls


#: Optimizers known by name that are not kernels (not in OPTIMIZERS): each registers itself here
#: when its module is imported (fastnet/optim/lbfgs.py: "lbfgs"; fastnet.optim imports it), so that
#: this module never imports them back.
FULL_BATCH: dict[str, Callable[[], Optimizer]] = {}


def default_optimizer() -> Optimizer:
    """What ``fit`` trains with when no optimizer was ever given: a fresh ``Adam(lr=1e-3)``, the rate
    Keras's ``Adam`` and ``torch.optim.Adam`` default to. The one place the default is written:
    ``Network.fit``, the reference's ``Network.fit`` and ``fit_data_parallel`` all take it from here."""
    return Adam(lr=1e-3)


def make_optimizer(optimizer: Optimizer | str) -> Optimizer:
    """An Optimizer from an instance or a name (``"adam"``, or ``"lbfgs"``) with default hyperparameters."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    if isinstance(optimizer, str):
        key = optimizer.lower()
        known: dict[str, Callable[[], Optimizer]] = {**OPTIMIZERS, **FULL_BATCH}
        if key not in known:
            raise ValueError(f"unknown optimizer {optimizer!r}; expected one of {', '.join(map(repr, known))}")
        return known[key]()
    raise TypeError(f"optimizer must be an Optimizer or a name ({', '.join(map(repr, OPTIMIZERS))}), "
                    f"got {type(optimizer).__name__}")
