"""SplitMix64, the random number generator of docs/MATH.md, and the epoch shuffle.

fastnet does not use Python's ``random`` or numpy's generators: neither can be
reproduced bit for bit on the other side (pure Python here, C in the compiled
core). SplitMix64 is five lines of 64-bit integer arithmetic, so both sides
draw exactly the same numbers from the same seed.
"""

from __future__ import annotations

import math

from ..checks.scalars import check_int

__all__ = ["SplitMix64", "shuffled_order", "SHUFFLE_SEED_XOR"]

_MASK = (1 << 64) - 1        # Python ints are unbounded: "mod 2**64" is "& _MASK"
_GAMMA = 0x9E3779B97F4A7C15  # the odd constant nearest 2**64 / golden ratio

#: A network's shuffle generator starts at ``seed ^ SHUFFLE_SEED_XOR``, so that it
#: does not replay the draws that initialised the weights (which start at ``seed``).
SHUFFLE_SEED_XOR = 0x243F6A8885A308D3


class SplitMix64:
    """The generator of docs/MATH.md. ``state`` is the whole state: one 64-bit integer."""

    state: int

    def __init__(self, seed: int) -> None:
        self.state = check_int("seed", seed, low=0, high=_MASK)

    def next(self) -> int:
        """The next 64-bit output (an int in [0, 2**64))."""
        self.state = (self.state + _GAMMA) & _MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        return z ^ (z >> 31)

    def uniform(self) -> float:
        """A float in [0, 1): the top 53 bits of ``next()``, exactly representable in a double."""
        return (self.next() >> 11) * 2.0**-53

    def truncated_normal(self) -> float:
        """A standard normal truncated to [-2, 2]: Box-Muller's cosine half, drawn again while |z| > 2.

        Two uniforms a try; ``1 - u`` is in (0, 1], so its log is finite. The
        compiled core computes the same doubles with the same libm functions.
        """
        while True:
            u1 = 1.0 - self.uniform()
            u2 = self.uniform()
            z = math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)
            if -2.0 <= z <= 2.0:
                return z

    def __repr__(self) -> str:
        return f"SplitMix64(state={self.state:#018x})"


def shuffled_order(n: int, rng: SplitMix64) -> list[int]:
    """A random permutation of ``range(n)`` (Fisher-Yates, drawing ``n - 1`` numbers from ``rng``).

    The modulo has a bias of at most n / 2**64; it is kept because the compiled
    core does exactly the same, and the two must agree draw for draw.
    """
    order = list(range(n))
    for i in range(n - 1, 0, -1):
        j = rng.next() % (i + 1)
        order[i], order[j] = order[j], order[i]
    return order
