from collections.abc import Callable, Sequence

from ..optim.optimizers import SGD as SGD
from ..optim.optimizers import Adagrad as Adagrad
from ..optim.optimizers import Adam as Adam
from ..optim.optimizers import AdamW as AdamW
from ..optim.optimizers import Optimizer
from ..optim.optimizers import RMSprop as RMSprop

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
