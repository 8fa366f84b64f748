"""scikit-learn estimators over fastnet: ``MLPClassifier`` and ``MLPRegressor`` (needs scikit-learn >= 1.6).

They follow the estimator contract (``__init__`` stores its arguments, fitted
attributes end in ``_``, ``get_params``/``set_params``/``clone``, pickling) and
take the parameters of :class:`sklearn.neural_network.MLPClassifier` with the
same meaning, so that a pipeline, a grid search or a cross-validation written
for scikit-learn's MLP runs unchanged. Training is fastnet's: a whole epoch is
one nogil call, so ``GridSearchCV(..., n_jobs=k)`` under joblib's threading
backend trains k networks on k cores at once.

How scikit-learn's parameters map onto fastnet (``docs/SCALING.md`` has the
parallel side; the formulas are in ``docs/MATH.md``):

=====================  =====================================================
``solver="adam"``      ``fastnet.Adam(lr=learning_rate_init, betas=(beta_1,
                       beta_2), eps=epsilon)``. scikit-learn folds the bias
                       corrections into the step size and adds ``epsilon``
                       to ``sqrt(v)``; torch (and fastnet) add it to
                       ``sqrt(v / (1 - beta_2**t))``: the same rule up to
                       where ``epsilon`` sits.
``solver="sgd"``       ``fastnet.SGD(lr, momentum, nesterov=nesterovs_momentum
                       and momentum > 0)``. scikit-learn's velocity
                       ``v = momentum v - lr g`` is torch's buffer times
                       ``-lr``: the same updates for a constant rate.
                       ``learning_rate`` ("constant", "invscaling",
                       "adaptive") and ``power_t`` as in scikit-learn.
``solver="adamw"``,    fastnet's other optimizers (``fastnet.AdamW``,
``"rmsprop"``,         ``RMSprop``, ``Adagrad``) with ``lr=learning_rate_init``;
``"adagrad"``          ``optimizer_options`` sets their other hyperparameters.
``solver="lbfgs"``     ``fastnet.LBFGS`` on the full batch, one iteration
                       per epoch: ``max_iter`` iterations, ``max_fun``
                       evaluations, ``gtol=tol`` and scipy's default
                       ``ftol`` (as scikit-learn's L-BFGS-B); ``alpha`` adds
                       ``alpha/2 ||W||^2 / s`` to the objective (weights
                       only). ``batch_size`` is ignored; the training-loss
                       patience rule does not apply (``early_stopping``
                       does, unlike scikit-learn's).
``alpha``              scikit-learn adds ``alpha * W / s`` to each batch's
                       gradient, ``s`` the batch's sum of sample weights (its
                       size when unweighted): an L2 penalty
                       ``alpha/2 ||W||^2 / s`` per batch. fastnet's coupled
                       ``weight_decay`` adds ``weight_decay * p``, so
                       ``weight_decay = alpha / (batch_size * mean weight)``,
                       exact for every full batch. Two differences: fastnet
                       decays the biases too (negligible: 5e-7 per step at the
                       defaults), and the last, shorter batch of an epoch gets
                       the full batches' decay. For ``"adamw"`` ``alpha`` is
                       the decoupled decay itself (``p -= lr * alpha * p``).
``loss_curve_``        the mean training loss of each epoch plus scikit-
                       learn's penalty term ``alpha/2 ||W||^2 * n_batches /
                       (n_samples * mean weight)``, as scikit-learn reports it
                       (with several regression targets the squared error is
                       averaged over them, with several labels the log-loss
                       summed, as scikit-learn reports; ``tol`` applies to
                       these values). ``validation_loss_curve_`` likewise,
                       without the penalty.
``activation``         "identity", "logistic" (fastnet "sigmoid"), "tanh",
                       "relu". Initialisation is fastnet's (He uniform for
                       relu, Glorot uniform otherwise, zero biases), not
                       scikit-learn's (Glorot for all, random biases).
``tol``,               scikit-learn's rule exactly: an epoch that does not
``n_iter_no_change``   improve the best training loss by more than ``tol``
                       (or, with ``early_stopping``, the best validation score
                       by at least ``tol``) counts; ``n_iter_no_change + 1``
                       such epochs in a row stop training (with "adaptive"
                       they divide the rate by 5 first).
``early_stopping``     holds out ``validation_fraction`` of the rows
                       (stratified for single-label classification, as
                       scikit-learn) and keeps the parameters of the epoch
                       with the best validation score (accuracy, or R^2).
``random_state``       an int is fastnet's ``seed`` (initialisation and
                       shuffling); None or a RandomState draws one. The
                       validation split uses ``check_random_state``.
=====================  =====================================================

Losses: multiclass classification is softmax cross-entropy; binary
classification is one sigmoid output with binary cross-entropy, as in
scikit-learn (the same loss as a 2-unit softmax with half the output
parameters, and the same model family, so results compare directly);
multilabel classification (a 0/1 indicator matrix ``y``) is one sigmoid per
label, fastnet's binary cross-entropy averaging over labels where scikit-learn
sums (a factor ``1/n_labels`` on the gradient). Regression is ``"half_mse"``,
scikit-learn's half squared error.

fastnet's own parameters: ``dtype`` (None follows the input: float32 stays
float32, anything else is float64), ``optimizer_options`` (a dict of further
hyperparameters for the fastnet optimizer, such as ``{"amsgrad": True}``),
``n_threads`` (see below), ``dropout`` (default 0.0: the rate of a
``fastnet.Dropout`` after every hidden layer, in training only), ``init``
(default None: the activation's default scheme; else a name of
``fastnet.INITIALIZERS`` such as ``"he_normal"``, for every layer) and, for
the classifier, ``class_weight``.

Threads. fastnet's kernels never start threads, but their matrix products go
through OpenBLAS (numpy's or scipy's bundled copy, fastnet/runtime/blas.py),
which may. ``n_threads`` (default 1) is the network's ``Network.n_threads``:
the BLAS threads its calls may use. With the default, each thread of a
``GridSearchCV(n_jobs=k)`` under joblib's threading backend trains on one
core and the k fits run side by side, without oversubscription. OpenBLAS
keeps one thread count for the whole process, so fit and predict hold it
through :func:`fastnet.runtime.threads.blas_threads`, the one scope of all
fastnet's calls. Where fastnet finds OpenBLAS's per-thread setter
(``fastnet.runtime.threads.blas_threading() == "per-thread"``) that scope is
reference-counted: from the start of the first concurrent call to the end of
the last, BLAS gets the smallest count any of them asked for, never more than
the count found before the first (a tighter ``threadpoolctl.threadpool_limits``
stays in force), and that count is restored after the last; other BLAS
libraries loaded in the process are not touched. Otherwise
(``"threadpoolctl"``) the same counting sets every BLAS library through
threadpoolctl.

Modules: ``base`` (the parameters and fit, in phases, shared by the two
estimators), ``classifier``, ``regressor``; ``_checks`` (hyperparameters and
sample weights), ``_solvers`` (scikit-learn's solver and activation names),
``_monitor`` (the bookkeeping after each epoch), ``_compat`` (the one import
of scikit-learn), ``_typing``. fastnet 0.1's ``fastnet.estimators`` is this
package (``fastnet/_aliases.py``), so its imports and pickles keep working.
"""

from .base import _BaseMLP  # noqa: F401 - fastnet 0.1's fastnet.estimators had it (tests patch it)
from .classifier import MLPClassifier
from .regressor import MLPRegressor

__all__ = ["MLPClassifier", "MLPRegressor"]
