"""
Losses and activations, and their derivatives
=============================================

The pictures of the seed texts: each loss of :data:`fastnet.LOSSES` and each
activation of :data:`fastnet.ACTIVATIONS`, with the derivative
backpropagation uses. The values come from :mod:`fastnet.reference`, the
pure-Python implementation the compiled kernels are tested against, so a
loss or an activation added to its list appears here with no change to the
plotting code.
"""

from fastnet import plotting

# %%
# The losses
# ----------
# One panel per loss, one colour per target ``y``. Mean squared error's
# derivative is ``2 (w - y)``, Huber's ``w - y`` clipped to ``+-delta``; the
# cross-entropies are drawn over the probability ``w`` their output gives,
# where ``-1/w`` (for ``y = 1``) goes to infinity at 0, while the gradient at
# the logit (dashed) is a gentle ``w - y``.

fig = plotting.plot_losses(losses=["mse", "huber", "binary_cross_entropy"])
fig

# %%
# The activations and the vanishing gradient
# ------------------------------------------
# The third panel multiplies one activation's derivative through 1 to 10
# layers: the sigmoid's is at most 0.25, so a gradient flowing back through
# ten sigmoid layers shrinks by ``0.25**10``, about ``1e-6``.

names = ["sigmoid", "tanh", "relu", "gelu", "softplus"]
fig = plotting.plot_activations(activations=names)
fig
