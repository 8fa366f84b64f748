"""The activation functions fastnet knows: names, parameters, initialisation.

This table is the one list of activations. The compiled kernels number them
by their position here (``fastnet/_core/activations.pxd`` declares the same
order, and a test checks it); the reference implements each by name. The
formulas are in ``docs/MATH.md``.
"""

from ..checks.scalars import check_choice, check_real

__all__ = ["ACTIVATIONS", "Activation"]

#: name -> (parameters with their defaults, weight initialisation scheme)
ACTIVATIONS = {
    "identity": ({}, "glorot"),
    "relu": ({}, "he"),
    "leaky_relu": ({"negative_slope": 0.01}, "he"),
    "sigmoid": ({}, "glorot"),
    "tanh": ({}, "glorot"),
    "softmax": ({}, "glorot"),
}


class Activation:
    """An activation function and its parameter, e.g. ``Activation("leaky_relu", negative_slope=0.1)``.

    Anywhere fastnet takes an activation, a name (``"relu"``) works too.
    """

    __slots__ = ("name", "params")

    def __init__(self, name, **params):
        self.name = check_choice("activation", name, tuple(ACTIVATIONS))
        defaults = ACTIVATIONS[name][0]
        unknown = set(params) - set(defaults)
        if unknown:
            raise TypeError(f"activation {name!r} takes {sorted(defaults) or 'no parameters'}, "
                            f"got {sorted(unknown)}")
        merged = {**defaults, **params}
        if "negative_slope" in merged:
            # >= 0 so that the backward pass can read the sign of z from a = act(z).
            merged["negative_slope"] = check_real("negative_slope", merged["negative_slope"], low=0.0)
        self.params = merged

    @classmethod
    def coerce(cls, value):
        """An Activation from a name or an Activation."""
        return value if isinstance(value, cls) else cls(value)

    @property
    def id(self):
        """The kernel's number for this activation."""
        return list(ACTIVATIONS).index(self.name)

    @property
    def param(self):
        """The one float parameter the kernel takes (0.0 when there is none)."""
        return next(iter(self.params.values()), 0.0)

    @property
    def init(self):
        """``"he"`` or ``"glorot"``: the weight initialisation that suits this activation."""
        return ACTIVATIONS[self.name][1]

    def to_dict(self):
        return {"name": self.name, **self.params}

    def __eq__(self, other):
        return isinstance(other, Activation) and (self.name, self.params) == (other.name, other.params)

    def __hash__(self):
        return hash((self.name, tuple(sorted(self.params.items()))))

    def __repr__(self):
        extra = "".join(f", {k}={v!r}" for k, v in self.params.items())
        return f"Activation({self.name!r}{extra})"
