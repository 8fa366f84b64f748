"""What an activation and a loss have in common: a name from one table, and its parameters.

:class:`~fastnet.nn.activations.Activation` and :class:`~fastnet.nn.losses.Loss`
are both "a function chosen by name, with a few float parameters that have
defaults"; the lookup, the checks, equality, hashing and the kernels' number
for the name are the same, and live here. Each subclass names its table
(``ACTIVATIONS``, ``LOSSES``: the one list of each) and checks its own
parameters' ranges.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

from ..checks.scalars import check_choice

__all__ = ["NamedFunction"]

_Named = TypeVar("_Named", bound="NamedFunction")


class NamedFunction:
    """A function from ``table`` by name, with its parameters (defaults filled in).

    Subclasses set ``kind`` (the word in messages and the repr: ``"activation"``)
    and ``table`` (name -> (parameters with their defaults, extra information)),
    and override :meth:`_check_params` for the ranges of their parameters.
    """

    __slots__ = ("name", "params")

    kind: ClassVar[str]
    table: ClassVar[Mapping[str, tuple[Mapping[str, float], object]]]

    name: str
    params: dict[str, float]

    def __init__(self, name: str, **params: float) -> None:
        self.name = check_choice(self.kind, name, tuple(self.table))
        defaults = self.table[name][0]
        unknown = set(params) - set(defaults)
        if unknown:
            raise TypeError(f"{self.kind} {name!r} takes {sorted(defaults) or 'no parameters'}, "
                            f"got {sorted(unknown)}")
        self.params = self._check_params({**defaults, **params})

    def _check_params(self, params: dict[str, float]) -> dict[str, float]:
        """The parameters, checked and converted (each subclass knows its own ranges)."""
        return params

    @classmethod
    def coerce(cls: type[_Named], value: _Named | str) -> _Named:
        """An instance from a name, or the instance itself."""
        if isinstance(value, cls):
            return value
        # mypy does not narrow a TypeVar away; any other value is __init__'s to reject by name.
        return cls(value)  # type: ignore[arg-type]

    @property
    def id(self) -> int:
        """The kernels' number for this name: its position in the table."""
        return list(self.table).index(self.name)

    @property
    def param(self) -> float:
        """The first float parameter (0.0 when there is none): the one a loss kernel takes.

        The activation kernels take all of an activation's parameters: ``Activation.param_vector()``.
        """
        return next(iter(self.params.values()), 0.0)

    def to_dict(self) -> dict[str, Any]:
        """``{"name": ..., **params}``: what the model file stores, and ``cls(**d)`` rebuilds."""
        return {"name": self.name, **self.params}

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, NamedFunction) and other.kind == self.kind
                and (self.name, self.params) == (other.name, other.params))

    def __hash__(self) -> int:
        return hash((self.name, tuple(sorted(self.params.items()))))

    def __repr__(self) -> str:
        extra = "".join(f", {k}={v!r}" for k, v in self.params.items())
        return f"{self.kind.capitalize()}({self.name!r}{extra})"
