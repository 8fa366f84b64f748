"""fastnet's math in plain Python: the readable version, and the oracle for the tests.

Everything fastnet's compiled core computes is here again with lists and
floats, one idea per function, so that a student can read it beside
``docs/MATH.md`` (which it follows section by section) and the tests can hold
the fast code to it:

=====================  =====================================================================
MATH.md section        here
=====================  =====================================================================
Random numbers         :mod:`.random`: ``SplitMix64`` and ``shuffled_order`` (Fisher-Yates)
Initialisation         :meth:`Dense.initialise` (He or Glorot uniform), run by ``Network``
Activations            :mod:`.activations`: ``forward(act, z_row)``, ``backward(act, a_row, g_row)``
Losses                 :mod:`.losses`: ``loss_gradient(loss, out_rows, y_rows) -> (value, grad_rows)``
Backpropagation        :meth:`Network.backward` and :meth:`Dense.backward`: the chain rule, layer by layer
Dropout                :mod:`.dropout`: the masks from their own SplitMix64 stream, and the products
Optimizers             :mod:`.optimizers`: ``update(optimizer, params, grads, state, t)``
An epoch               :meth:`Network.fit`
=====================  =====================================================================

A quick tour::

    from fastnet import reference as ref

    net = ref.Network.mlp([2, 8, 1], activation="tanh", loss="binary_cross_entropy", seed=0)
    history = net.fit(X, y, optimizer=ref.Adam(lr=0.05), epochs=300)   # X: rows, y: 0/1
    net.predict(X)                  # probabilities, one row per sample
    ref.gradcheck(net, X, y)        # backprop vs finite differences: ~1e-9 when all is well

The names of the activations, losses and optimizers, their parameters and
checks live in :mod:`fastnet.nn.activations`, :mod:`fastnet.nn.losses` and
:mod:`fastnet.optim.optimizers`, and the checks of a layer stack and the ``mlp``
recipe in :mod:`fastnet.nn.stack`, shared with the compiled network (so that a
mistake raises the same error from both); this package only says what each
name computes. It never imports NumPy (so it runs anywhere
Python does, and cannot share a bug with the compiled code's array handling),
and it is slow: every multiply-add is a Python operation.
"""

from . import activations, dropout, layers, losses, network, optimizers, random
from .gradcheck import gradcheck
from .network import Dense, Dropout, Network
from .optimizers import SGD, Adagrad, Adam, AdamW, RMSprop

__all__ = ["Network", "Dense", "Dropout", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "gradcheck",
           "activations", "dropout", "losses", "network", "optimizers", "random"]
