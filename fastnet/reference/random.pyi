__all__ = ["SplitMix64", "shuffled_order", "SHUFFLE_SEED_XOR"]

SHUFFLE_SEED_XOR: int

class SplitMix64:
    """The generator of docs/MATH.md; ``state`` is its whole state, one 64-bit integer."""

    state: int
    def __init__(self, seed: int) -> None: ...
    def next(self) -> int: ...  # in [0, 2**64)
    def uniform(self) -> float: ...  # in [0, 1), 53 bits

def shuffled_order(n: int, rng: SplitMix64) -> list[int]: ...
