"""``fastnet train DATA --target COLUMN --out model.npz``: train a network on a file and save it.

The phases, each a function below: check where the model goes, read the table
and encode the target, shuffle and hold out validation rows, standardise,
build the network, fit, report the figures in the data's units, fold the
standardisation into the weights and save with metadata that ``predict``
reads (feature names, target, classes).
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .._version import __version__
from ..io import save
from ..nn.activations import ACTIVATIONS
from ..nn.init import INITIALIZERS
from ..nn.losses import LOSSES, Loss
from ..nn.network import Network
from ..optim.optimizers import FULL_BATCH, OPTIMIZERS, Optimizer
from ..train.callbacks import CSVLogger
from ..train.metrics import resolve_metrics
from .messages import CLIError, info
from .options import (Subcommands, add_delimiter, add_no_progress, add_seed, fraction, hidden_widths, int_at_least,
                      metric_names, open_fraction, positive_float)
from .schedule_options import add_schedule_options, check_schedule_options, schedule_of
from .standardize import Standardisation
from .tables import read_table
from .targets import MAX_AUTO_CLASSES, EncodedTarget, TargetArray, encode_target, predicted_values

__all__ = ["register", "run"]

_DEFAULT_LR = 1e-3           # of the per-batch optimizers; L-BFGS keeps its own (1.0)
_DEFAULT_BATCH_SIZE = 32     # of the per-batch optimizers; L-BFGS takes every training row


def register(commands: Subcommands) -> None:
    """Add ``train`` and its options to the ``fastnet`` parser."""
    parser = commands.add_parser("train", help="train a network on a CSV or NPZ file and save it")
    parser.add_argument("data", help="CSV with a header row, or NPZ (X plus the target, or named columns)")
    parser.add_argument("--target", required=True, help="the column (or array) to predict")
    parser.add_argument("--out", required=True, help="where to save the model (.npz)")
    parser.add_argument("--hidden", type=hidden_widths, default=[64], help="hidden layer widths (default: 64)")
    # softmax belongs at the output only (it is what cross_entropy implies there).
    parser.add_argument("--activation", choices=[a for a in ACTIVATIONS if a != "softmax"], default="relu",
                        help="of the hidden layers (default: relu)")
    parser.add_argument("--init", choices=["auto", *INITIALIZERS], default="auto",
                        help="how every layer's weights are drawn (Keras's definitions; the normal variants "
                             "truncated at 2 standard deviations); auto: each activation's default, "
                             "he_uniform for relu and leaky_relu, glorot_uniform otherwise (default: auto)")
    parser.add_argument("--loss", choices=["auto", *LOSSES], default="auto",
                        help=f"auto: cross_entropy if the target holds <= {MAX_AUTO_CLASSES} integer values "
                             "or text, else mse (default: auto)")
    parser.add_argument("--quantile", type=open_fraction, default=None, metavar="Q",
                        help="with --loss quantile: the share of targets the prediction should lie "
                             "above (default: 0.5, the median)")
    parser.add_argument("--optimizer", choices=[*OPTIMIZERS, *FULL_BATCH], default="adam",
                        help="the update rule, with torch.optim's defaults but for --lr; lbfgs trains on "
                             "the full batch (every training row in each step; --batch-size must not be "
                             "given) and stops early when it converges (default: adam)")
    parser.add_argument("--lr", type=positive_float, default=None,
                        help="the learning rate; with lbfgs the scale of its first trial step "
                             f"(default: {_DEFAULT_LR}; with lbfgs: 1.0, the full quasi-Newton step)")
    parser.add_argument("--epochs", type=int_at_least(0), default=50,
                        help="passes over the training rows; with lbfgs: iterations (default: 50)")
    # None = not given: a batch size given with lbfgs is refused (_optimizer), not silently ignored.
    parser.add_argument("--batch-size", type=int_at_least(1), default=None,
                        help=f"rows per optimizer step (default: {_DEFAULT_BATCH_SIZE}; with lbfgs: all)")
    parser.add_argument("--dropout", type=fraction, default=0.0, metavar="P",
                        help="the rate of a dropout after every hidden layer, in [0, 1): that share of "
                             "its units is zeroed in each training batch (default: 0.0, none)")
    parser.add_argument("--validation-split", type=fraction, default=0.2,
                        help="fraction of the (shuffled) rows held out (default: 0.2; 0: none)")
    add_seed(parser)
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32",
                        help="the precision of the parameters and the arithmetic (default: float32)")
    parser.add_argument("--early-stopping", type=int_at_least(0), default=None, metavar="PATIENCE",
                        help="stop when the validation loss has not improved for this many epochs, and "
                             "keep the best epoch (default: off, train every epoch)")
    parser.add_argument("--no-standardize", dest="standardize", action="store_false",
                        help="train on the raw features (by default they are standardised, and the "
                             "scaling folded into the saved weights)")
    parser.add_argument("--metrics", type=metric_names, default=None, metavar="NAMES",
                        help="metrics recorded every epoch on the training and validation rows, comma-separated "
                             "(fastnet.METRICS: accuracy, top_<k>_accuracy, log_loss, mae, rmse, r2; a "
                             "standardised regression target's in standardised units), shown in the progress "
                             "log and --csv-log (default: none)")
    parser.add_argument("--csv-log", default=None, metavar="PATH",
                        help="write one CSV row per epoch to PATH: the loss, the metrics, lr and time of "
                             "each (fastnet.CSVLogger; default: none)")
    add_schedule_options(parser)
    add_delimiter(parser)
    add_no_progress(parser)
    parser.set_defaults(func=run)


@dataclass
class TrainingData:
    """A table's features and encoded target."""

    features: list[str]                # the feature columns, in file order
    X: npt.NDArray[np.float64]         # (n_rows, n_features)
    target: EncodedTarget


@dataclass
class Split:
    """The shuffled rows: the first for training, the last ``n_val`` for validation."""

    X_train: npt.NDArray[np.float64]
    y_train: TargetArray
    X_val: npt.NDArray[np.float64]     # (0, n_features) with --validation-split 0
    y_val: TargetArray

    @property
    def n_val(self) -> int:
        return len(self.X_val)


def run(args: argparse.Namespace) -> int:
    """The ``train`` subcommand; returns the exit code."""
    _check_out_path(args.out)
    if args.quantile is not None and args.loss != "quantile":
        raise CLIError(f"--quantile {args.quantile} needs --loss quantile, got --loss {args.loss}")
    optimizer, batch_size = _optimizer(args)
    check_schedule_options(args)
    data = _read_training_data(args.data, args.target, args.loss, args.delimiter)
    split = _split_rows(data, args.validation_split, args.seed)
    scaling = Standardisation.fit(split.X_train, split.y_train, scale_target=data.target.scalable,
                                  enabled=args.standardize)
    net = Network.mlp([data.X.shape[1], *args.hidden, data.target.n_outputs], activation=args.activation,
                      loss=_loss(data.target.loss, args.quantile), dtype=args.dtype, seed=args.seed,
                      init=None if args.init == "auto" else args.init, dropout=args.dropout)
    _describe(args, data, split, net)
    _fit(net, args, scaling, split, optimizer, batch_size)
    _report(net, data.target, scaling, split)
    _save(net, args, data, scaling)
    return 0


def _optimizer(args: argparse.Namespace) -> tuple[Optimizer, int | None]:
    """The optimizer and batch size the options ask for; a full-batch one refuses mini-batch options."""
    if args.optimizer in FULL_BATCH:
        if args.batch_size is not None:
            raise CLIError(f"--batch-size {args.batch_size} does not apply to --optimizer {args.optimizer}: "
                           "it trains on the full batch (leave --batch-size out)", code=2)
        if args.dropout:
            # fit evaluates a full-batch optimizer's loss without masks (its line search needs one
            # deterministic objective), so the rate would be saved but never trained with.
            raise CLIError(f"--dropout {args.dropout} does not apply to --optimizer {args.optimizer}: "
                           "its line search needs a loss without random masks (leave --dropout out)", code=2)
        optimizer = FULL_BATCH[args.optimizer]()
        if args.lr is not None:
            optimizer.lr = args.lr
        return optimizer, None
    lr = _DEFAULT_LR if args.lr is None else args.lr
    batch_size = _DEFAULT_BATCH_SIZE if args.batch_size is None else args.batch_size
    return OPTIMIZERS[args.optimizer](lr=lr), batch_size


def _loss(name: str, quantile: float | None) -> Loss:
    """The loss by name, with --quantile's q for the quantile loss."""
    return Loss(name, q=quantile) if quantile is not None else Loss(name)


def _check_out_path(out: str) -> None:
    """Fail before training, not after it, when the model could not be saved."""
    out_dir = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(out_dir):
        raise CLIError(f"cannot save the model to {out}: the directory {out_dir} does not exist")
    if os.path.isdir(out):
        raise CLIError(f"cannot save the model to {out}: it is a directory")


def _read_training_data(path: str, target: str, loss: str, delimiter: str = ",") -> TrainingData:
    """Every column but the target is a feature."""
    table = read_table(path, delimiter)
    table.require(target, role="target column")
    features = [name for name in table.names if name != target]
    if not features:
        raise CLIError(f"{path} has no feature columns besides the target {target!r}")
    X = table.matrix(features)
    return TrainingData(features, X, encode_target(table, target, loss))


def _split_rows(data: TrainingData, validation_split: float, seed: int) -> Split:
    """Shuffle the rows once (seeded) before holding out validation rows: files are often sorted."""
    n = len(data.X)
    order = np.random.default_rng(seed).permutation(n)
    X, y = data.X[order], data.target.y[order]
    n_val = int(round(n * validation_split))
    if validation_split > 0 and not 1 <= n_val < n:
        raise CLIError(f"--validation-split {validation_split} of {n} rows leaves {n_val} for validation "
                       f"and {n - n_val} for training; both must be >= 1")
    return Split(X[:n - n_val], y[:n - n_val], X[n - n_val:], y[n - n_val:])


def _describe(args: argparse.Namespace, data: TrainingData, split: Split, net: Network) -> None:
    """What is about to be trained, before the (maybe long) training starts."""
    classes = data.target.classes
    task = f"{len(classes)}-class classification" if classes is not None else "regression"
    info(f"{args.data}: {len(data.X)} rows, {len(data.features)} features, target {args.target!r} "
         f"({task}, loss {data.target.loss}); {len(split.X_train)} for training, {split.n_val} for validation")
    info(f"network: {net}")


def _fit(net: Network, args: argparse.Namespace, scaling: Standardisation, split: Split, optimizer: Optimizer,
         batch_size: int | None) -> None:
    """Train on the standardised rows; fit keeps the best epoch when early stopping ends it."""
    X_train, y_train = scaling.transform(split.X_train, split.y_train)
    val = scaling.transform(split.X_val, split.y_val) if split.n_val else None
    try:   # a metric that does not suit the target (rmse of classes): refused before training
        resolve_metrics(args.metrics, net.criterion.name, net.n_outputs)
    except ValueError as error:
        raise CLIError(f"--metrics: {error}", code=2) from None
    callbacks = [CSVLogger(args.csv_log)] if args.csv_log else []
    schedule = schedule_of(args, optimizer.lr, len(X_train), batch_size)
    history = net.fit(X_train, y_train, optimizer=optimizer, epochs=args.epochs, batch_size=batch_size,
                      validation_data=val, early_stopping=args.early_stopping, progress=not args.no_progress,
                      metrics=args.metrics, callbacks=callbacks, lr_schedule=schedule)
    if history.interrupted:
        info("training interrupted; saving the network as it is")
    # fit marks L-BFGS's convergence as an early stop too: say which rule ended the run.
    stop_reason = getattr(optimizer, "stop_reason", None)
    if stop_reason is not None:
        info(f"{args.optimizer} stopped after {len(history)} iterations: its {stop_reason} rule was met")
    elif history.stopped_early:
        info(f"early stopping after epoch {len(history)}; kept the best epoch ({history.best_epoch})")


def _report(net: Network, target: EncodedTarget, scaling: Standardisation, split: Split) -> None:
    """The final figures on the training and validation rows, in the target's own units."""
    parts = [("train:     ", split.X_train, split.y_train)]
    if split.n_val:
        parts.append(("validation:", split.X_val, split.y_val))
    for label, X, y in parts:
        figures = _metrics(net, *scaling.transform(X, y), target, scaling.target_scaling)
        info(f"{label} {_format(figures, scaled_loss=scaling.target_scaling is not None)}")


def _metrics(net: Network, X: npt.NDArray[np.float64], y: TargetArray, target: EncodedTarget,
             target_scaling: tuple[float, float] | None) -> dict[str, float]:
    """Figures to report on (X, y): the loss, then accuracy (classes) or rmse and mae (numbers)."""
    figures = {"loss": net.loss(X, y)}
    out = net.predict(X).astype(np.float64)
    if target.classes is not None:
        if target.loss == "cross_entropy":
            pred = out.argmax(axis=1)
        else:
            pred = (out[:, 0] >= 0.5).astype(np.int64)
        figures["accuracy"] = float(np.mean(pred == y))
        return figures
    truth = np.asarray(y, dtype=np.float64).reshape(-1)
    if target_scaling is not None:
        y_mean, y_scale = target_scaling
        out, truth = out * y_scale + y_mean, truth * y_scale + y_mean
    out = np.asarray(predicted_values(target.loss, out), dtype=np.float64)
    err = out[:, 0] - truth
    figures["rmse"] = float(np.sqrt(np.mean(err ** 2)))
    figures["mae"] = float(np.mean(np.abs(err)))
    return figures


def _format(figures: dict[str, float], scaled_loss: bool = False) -> str:
    # With a standardised regression target the loss is in standard deviations squared, not data units.
    loss_name = "loss (standardised target)" if scaled_loss else "loss"
    return ", ".join(f"{loss_name} {v:.6g}" if k == "loss" else f"{k} {v:.4f}" for k, v in figures.items())


def _save(net: Network, args: argparse.Namespace, data: TrainingData, scaling: Standardisation) -> None:
    """Fold the scaling into the weights and save, with the metadata ``predict`` reads."""
    if scaling.enabled:
        scaling.fold_into(net)
    metadata = {
        "created_by": f"fastnet {__version__} train",
        "feature_names": data.features,
        "target": args.target,
        "task": "classification" if data.target.classes is not None else "regression",
        "classes": data.target.classes,
        "standardization": scaling.metadata(folded=scaling.enabled),
    }
    # The optimizer state belongs to the standardised coordinates, which folding left: not saved.
    path = save(net, args.out, include_optimizer=not scaling.enabled, metadata=metadata)
    info(f"saved the model to {path}")
