from .history import History

__all__ = ["TrainingDivergedError"]

class TrainingDivergedError(FloatingPointError):
    """The training loss became NaN or infinite (parameters restored to the last finite epoch)."""

    epoch: int
    history: History | None
    def __init__(self, epoch: int, history: History | None = None, lr: float | None = None) -> None: ...
