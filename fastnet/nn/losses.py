"""The loss functions fastnet knows: names, parameters, the output activation they need.

This table is the one list of losses; the kernels number them by position
(``fastnet/_core/losses.pxd`` declares the same order, and a test checks it).
The formulas are in ``docs/MATH.md``.
"""

from ..checks.scalars import check_choice, check_real

__all__ = ["LOSSES", "Loss"]

#: name -> (parameters with their defaults, the output activation it is fused with or None)
LOSSES = {
    "half_mse": ({}, None),        # the seed texts' 1/(2n) sum ||y - y_hat||^2
    "mse": ({}, None),             # the plain mean of squares (PyTorch, Keras)
    "mae": ({}, None),
    "huber": ({"delta": 1.0}, None),
    "binary_cross_entropy": ({}, "sigmoid"),
    "cross_entropy": ({}, "softmax"),
}


class Loss:
    """A loss function and its parameter, e.g. ``Loss("huber", delta=0.5)``.

    Anywhere fastnet takes a loss, a name (``"mse"``) works too.
    """

    __slots__ = ("name", "params")

    def __init__(self, name, **params):
        self.name = check_choice("loss", name, tuple(LOSSES))
        defaults = LOSSES[name][0]
        unknown = set(params) - set(defaults)
        if unknown:
            raise TypeError(f"loss {name!r} takes {sorted(defaults) or 'no parameters'}, got {sorted(unknown)}")
        merged = {**defaults, **params}
        if "delta" in merged:
            merged["delta"] = check_real("delta", merged["delta"], low=0.0, low_open=True)
        self.params = merged

    @classmethod
    def coerce(cls, value):
        return value if isinstance(value, cls) else cls(value)

    @property
    def id(self):
        return list(LOSSES).index(self.name)

    @property
    def param(self):
        return next(iter(self.params.values()), 0.0)

    @property
    def fused_activation(self):
        """The output activation this loss is fused with (it then reads logits), or None."""
        return LOSSES[self.name][1]

    @property
    def is_classification(self):
        return self.fused_activation is not None

    def check_output_activation(self, activation):
        """Raise unless the output layer's activation fits this loss."""
        need = self.fused_activation
        if need is not None and activation.name != need:
            raise ValueError(f"loss {self.name!r} needs the output layer's activation to be {need!r}, "
                             f"got {activation.name!r}")

    def check_n_outputs(self, n_outputs):
        if self.name == "cross_entropy" and n_outputs < 2:
            raise ValueError(f"loss 'cross_entropy' needs at least 2 output units, got {n_outputs}; "
                             "for two classes with one output use 'binary_cross_entropy'")

    def to_dict(self):
        return {"name": self.name, **self.params}

    def __eq__(self, other):
        return isinstance(other, Loss) and (self.name, self.params) == (other.name, other.params)

    def __hash__(self):
        return hash((self.name, tuple(sorted(self.params.items()))))

    def __repr__(self):
        extra = "".join(f", {k}={v!r}" for k, v in self.params.items())
        return f"Loss({self.name!r}{extra})"
