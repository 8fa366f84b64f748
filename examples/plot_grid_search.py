"""
scikit-learn estimators in a grid search
========================================

:class:`fastnet.sklearn.MLPClassifier` takes the parameters of
scikit-learn's own ``MLPClassifier`` with the same meaning, so it drops into
a pipeline and a grid search unchanged. fastnet's kernels release the GIL,
so joblib's threading backend trains the grid's networks side by side in
one process.
"""

import joblib
import numpy as np
from matplotlib.figure import Figure
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import fastnet as fn
from fastnet.sklearn import MLPClassifier

X, y = fn.datasets.blobs(600, n_features=16, n_classes=4, spread=3.0, seed=0)
model = make_pipeline(StandardScaler(), MLPClassifier(early_stopping=True, max_iter=60, random_state=0))
grid = {"mlpclassifier__hidden_layer_sizes": [(8,), (32,), (64, 64)],
        "mlpclassifier__alpha": [1e-4, 1e-2, 1.0]}
search = GridSearchCV(model, grid, cv=3, n_jobs=2)
with joblib.parallel_backend("threading"):  # two fits at a time, on two cores, in one process
    search.fit(X, y)
print("best:", search.best_params_, f"cross-validated accuracy {search.best_score_:.3f}")

# %%
# The cross-validated accuracy of every cell of the grid.

sizes = grid["mlpclassifier__hidden_layer_sizes"]
alphas = grid["mlpclassifier__alpha"]
score = {(p["mlpclassifier__hidden_layer_sizes"], p["mlpclassifier__alpha"]): s
         for p, s in zip(search.cv_results_["params"], search.cv_results_["mean_test_score"])}
scores = np.array([[score[size, alpha] for alpha in alphas] for size in sizes])

fig = Figure(figsize=(6, 4), layout="constrained")
ax = fig.add_subplot()
image = ax.imshow(scores, cmap="viridis", vmin=scores.min(), vmax=1.0)
ax.set_xticks(range(len(alphas)), [f"{a:g}" for a in alphas])
ax.set_yticks(range(len(sizes)), [str(size) for size in sizes])
ax.set_xlabel("alpha (L2 penalty)")
ax.set_ylabel("hidden_layer_sizes")
for (i, j), s in np.ndenumerate(scores):
    ax.text(j, i, f"{s:.3f}", ha="center", va="center", color="w" if s < scores.max() else "k")
fig.colorbar(image, ax=ax, label="mean cross-validated accuracy")
fig
