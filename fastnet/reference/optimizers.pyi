from collections.abc import Callable, Sequence

from ..optimizers import SGD as SGD
from ..optimizers import Adagrad as Adagrad
from ..optimizers import Adam as Adam
from ..optimizers import AdamW as AdamW
from ..optimizers import Optimizer
from ..optimizers import RMSprop as RMSprop

__all__ = ["update", "UPDATES", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad"]

#: name -> rule(params, grads, state, t, *hyperparameters), in place on params and state
UPDATES: dict[str, Callable[..., None]]

def update(
    optimizer: Optimizer,
    params: list[float],  # changed in place
    grads: Sequence[float],
    state: list[list[float]],  # optimizer.n_state lists of len(params) floats, changed in place
    t: int,  # the 1-based number of this step
) -> None: ...
