"""The ``fastnet`` command: ``python -m fastnet {demo,train,predict,gradcheck,bench}``.

    fastnet demo [--epochs 300] [--seed 0] [--plot-dir .] [--no-progress]
    fastnet train DATA.csv|DATA.npz --target COLUMN --out model.npz [options]
    fastnet predict model.npz DATA.csv|DATA.npz [--out preds.csv] [--proba]
    fastnet gradcheck [model.npz] [--data DATA --target COLUMN]
    fastnet bench [...]                      (fastnet.bench's own options)

Errors a user can make (a missing file, an unknown column, text in a numeric
column, a bad option) end the command with one line ``fastnet: error: ...``
on stderr and a non-zero exit code, never a traceback (set FASTNET_DEBUG=1
to see one).
"""

import argparse
import csv
import importlib.util
import math
import os
import sys

import numpy as np

from .._version import __version__
from ..nn.activations import ACTIVATIONS
from ..nn.losses import LOSSES
from ..optim.optimizers import OPTIMIZERS

__all__ = ["main"]

#: A target with at most this many distinct integer values is taken for class labels (--loss auto).
MAX_AUTO_CLASSES = 20


class CLIError(Exception):
    """A user error: printed as one line, exit code ``code``."""

    def __init__(self, message, code=1):
        super().__init__(message)
        self.code = code


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (and no usage block)."""

    def error(self, message):
        raise CLIError(message, code=2)


# -- option types -----------------------------------------------------------------------
def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text}")
    return value


def _int_at_least(low):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be >= {low}, got {value}")
        return value
    parse.__name__ = f"integer >= {low}"
    return parse


def _fraction(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return value


def _hidden(text):
    """``128,64`` -> [128, 64]; an empty string or ``none`` -> no hidden layer."""
    if text.strip().lower() in ("", "none"):
        return []
    widths = []
    for part in text.split(","):
        part = part.strip()
        if not part.isdigit() or int(part) < 1:
            raise argparse.ArgumentTypeError(f"expected comma-separated layer widths >= 1 "
                                             f"such as 128,64; got {text!r}")
        widths.append(int(part))
    return widths


# -- reading data -------------------------------------------------------------------------
class Table:
    """Named columns read from a CSV (as text) or an NPZ (as arrays)."""

    def __init__(self, path, names, columns):
        self.path = path
        self.names = names
        self.columns = columns          # name -> 1-D array (str for CSV text, numbers for NPZ)
        self.n_rows = len(next(iter(columns.values()))) if columns else 0

    def numeric(self, name):
        """Column ``name`` as float64, with an error naming the first bad value."""
        values = self.columns[name]
        try:
            out = np.asarray(values, dtype=np.float64)
        except (ValueError, TypeError):
            for row, value in enumerate(values):
                try:
                    float(value)
                except (ValueError, TypeError):
                    what = "is empty" if str(value).strip() == "" else f"holds {str(value)!r}"
                    raise CLIError(f"{self.path}: column {name!r} {what} in data row {row + 1}; "
                                   "features must be numbers") from None
            raise
        if out.ndim != 1:
            raise CLIError(f"{self.path}: column {name!r} has shape {out.shape}, expected one value per row")
        bad = ~np.isfinite(out)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise CLIError(f"{self.path}: column {name!r} holds {values[row]!r} in data row {row + 1}; "
                           "remove or impute missing and infinite values")
        return out

    def matrix(self, names):
        for name in names:
            self.require(name)
        return np.column_stack([self.numeric(name) for name in names]) if names else np.empty((self.n_rows, 0))

    def require(self, name, role="column"):
        if name not in self.columns:
            shown = ", ".join(self.names[:12]) + (", ..." if len(self.names) > 12 else "")
            raise CLIError(f"{self.path} has no {role} {name!r}; its columns are: {shown}")


def _read_csv(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        try:
            header = next(reader)
        except StopIteration:
            raise CLIError(f"{path} is empty; expected a header row of column names, then data rows") from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise CLIError(f"{path} is not a readable CSV file ({exc})") from None
        names = [name.strip() for name in header]
        if not any(names):
            raise CLIError(f"{path}: the first row must name the columns")
        if len(set(names)) != len(names):
            twice = sorted({n for n in names if names.count(n) > 1})
            raise CLIError(f"{path}: the header names a column more than once: {', '.join(map(repr, twice))}")
        rows = []
        try:
            for row in reader:
                if not row or all(not cell.strip() for cell in row):
                    continue                 # blank lines
                if len(row) != len(names):
                    raise CLIError(f"{path}: line {reader.line_num} has {len(row)} fields but the header "
                                   f"has {len(names)}")
                rows.append([cell.strip() for cell in row])
        except (csv.Error, UnicodeDecodeError) as exc:
            raise CLIError(f"{path} is not a readable CSV file ({exc})") from None
    if not rows:
        raise CLIError(f"{path} has a header but no data rows")
    columns = {name: np.array([row[k] for row in rows], dtype=object) for k, name in enumerate(names)}
    return Table(path, names, columns)


def _read_npz(path):
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except Exception as exc:
        raise CLIError(f"{path} is not a readable .npz file ({type(exc).__name__}: {exc})") from None
    if "config" in arrays and "params" in arrays:
        raise CLIError(f"{path} is a fastnet model, not a data set")
    names, columns = [], {}
    if "X" in arrays:
        X = arrays.pop("X")
        if X.ndim == 1:
            X = X.reshape(-1, 1)
        if X.ndim != 2:
            raise CLIError(f"{path}: array 'X' must be 2-D (n_samples, n_features), got shape {X.shape}")
        given = arrays.pop("feature_names", None)
        if given is not None and given.shape == (X.shape[1],):
            feature_names = [str(v) for v in given]
        else:
            feature_names = [f"X{k}" for k in range(X.shape[1])]
        for k, name in enumerate(feature_names):
            names.append(name)
            columns[name] = X[:, k]
    for name, array in arrays.items():
        if array.ndim == 2 and array.shape[1] == 1:
            array = array[:, 0]
        if array.ndim != 1:
            raise CLIError(f"{path}: array {name!r} has shape {array.shape}; besides 'X', "
                           "arrays must be columns (one value per row)")
        names.append(name)
        columns[name] = array
    lengths = {name: len(col) for name, col in columns.items()}
    if len(set(lengths.values())) > 1:
        raise CLIError(f"{path}: the arrays have different numbers of rows: {lengths}")
    if not columns or not next(iter(lengths.values())):
        raise CLIError(f"{path} holds no data rows")
    return Table(path, names, columns)


def read_table(path):
    """A CSV (header row, then rows) or an NPZ (``X`` plus named columns, or named columns)."""
    if not os.path.exists(path):
        raise CLIError(f"no such file: {path}")
    if os.path.isdir(path):
        raise CLIError(f"{path} is a directory, not a data file")
    with open(path, "rb") as f:
        is_zip = f.read(4) in (b"PK\x03\x04", b"PK\x05\x06")
    if path.lower().endswith(".npz") and not is_zip:
        raise CLIError(f"{path} is not an .npz archive (a .npz is a zip file of .npy arrays)")
    return _read_npz(path) if is_zip else _read_csv(path)


# -- targets ---------------------------------------------------------------------------------
def _as_number_or_text(values):
    """The column as float64 if every entry is a number, else None."""
    try:
        out = np.asarray(values, dtype=np.float64)
    except (ValueError, TypeError):
        return None
    return out if out.ndim == 1 else None


def _json_label(value):
    """A class label as JSON keeps it: an int for whole numbers, else a float or the text."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    return str(value)


def _label_strings(raw):
    """Class labels as the text predict writes: numbers as JSON keeps them (1.0 -> "1")."""
    numbers = _as_number_or_text(raw)
    if numbers is not None:
        return [str(_json_label(v)) for v in numbers]
    return [str(v) for v in raw]


def _encode_target(table, target, loss):
    """(loss name, y for fit, class labels or None) for the target column."""
    raw = table.columns[target]
    numbers = _as_number_or_text(raw)
    if numbers is not None and not np.isfinite(numbers).all():
        row = int(np.flatnonzero(~np.isfinite(numbers))[0])
        raise CLIError(f"{table.path}: target column {target!r} holds {raw[row]!r} in data row {row + 1}; "
                       "remove rows with missing targets")
    if numbers is None and any(str(v) == "" for v in raw):
        row = next(k for k, v in enumerate(raw) if str(v) == "")
        raise CLIError(f"{table.path}: target column {target!r} is empty in data row {row + 1}")
    if loss == "auto":
        if numbers is None:
            loss = "cross_entropy"     # text labels: classes
        else:
            whole = np.array_equal(numbers, np.round(numbers))
            loss = "cross_entropy" if whole and len(np.unique(numbers)) <= MAX_AUTO_CLASSES else "mse"
    if loss in ("cross_entropy", "binary_cross_entropy"):
        keys = numbers if numbers is not None else np.array([str(v) for v in raw])
        classes, y = np.unique(keys, return_inverse=True)
        if len(classes) < 2:
            raise CLIError(f"target column {target!r} holds a single value ({_json_label(classes[0])!r}); "
                           "a classifier needs at least 2 classes")
        if loss == "binary_cross_entropy" and len(classes) != 2:
            raise CLIError(f"--loss binary_cross_entropy needs exactly 2 classes in {target!r}, "
                           f"got {len(classes)}; use --loss cross_entropy")
        return loss, y.astype(np.int64), [_json_label(c) for c in classes]
    if numbers is None:
        bad = next(v for v in raw if _as_number_or_text([v]) is None)
        raise CLIError(f"target column {target!r} holds text such as {str(bad)!r}, but --loss {loss} "
                       "needs numbers; use --loss cross_entropy (or auto) for class labels")
    return loss, numbers, None


# -- commands -------------------------------------------------------------------------------
def _info(message, to_stderr=False):
    print(message, file=sys.stderr if to_stderr else sys.stdout, flush=True)


def _metrics(net, X, y, loss, classes, scale=None):
    """Figures to report on (X, y), in the data's own units."""
    figures = {"loss": net.loss(X, y)}
    out = net.predict(X).astype(np.float64)
    if classes is not None:
        pred = out.argmax(axis=1) if loss == "cross_entropy" else (out[:, 0] >= 0.5).astype(np.int64)
        figures["accuracy"] = float(np.mean(pred == y))
    else:
        if scale is not None:
            out = out * scale[1] + scale[0]
            y = y * scale[1] + scale[0]
        err = out[:, 0] - np.asarray(y, dtype=np.float64).reshape(-1)
        figures["rmse"] = float(np.sqrt(np.mean(err ** 2)))
        figures["mae"] = float(np.mean(np.abs(err)))
    return figures


def _format(figures, scaled_loss=False):
    # With a standardised regression target the loss is in standard deviations squared, not data units.
    loss_name = "loss (standardised target)" if scaled_loss else "loss"
    return ", ".join(f"{k} {v:.4f}" if k != "loss" else f"{loss_name} {v:.6g}" for k, v in figures.items())


def _fold_standardisation(net, mean, scale, y_mean, y_scale):
    """Rewrite the first layer to take raw features, and the identity output to give raw targets.

    Training saw (x - mean) / scale and predicted (y - y_mean) / y_scale; folding
    both into the weights makes the saved network work on the data as it is.
    """
    first, last = net.layers[0], net.layers[-1]
    W = first.W.astype(np.float64)
    b = first.b.astype(np.float64)
    Ws = W / scale[:, None]
    b_new = b - (mean / scale) @ W
    first.W[:] = Ws
    first.b[:] = b_new
    if y_scale is not None:
        last.W[:] = last.W.astype(np.float64) * y_scale
        last.b[:] = last.b.astype(np.float64) * y_scale + y_mean


def cmd_train(args):
    from ..io import save
    from ..nn.network import Network

    out_dir = os.path.dirname(os.path.abspath(args.out))
    if not os.path.isdir(out_dir):
        raise CLIError(f"cannot save the model to {args.out}: the directory {out_dir} does not exist")
    if os.path.isdir(args.out):
        raise CLIError(f"cannot save the model to {args.out}: it is a directory")
    table = read_table(args.data)
    table.require(args.target, role="target column")
    features = [name for name in table.names if name != args.target]
    if not features:
        raise CLIError(f"{args.data} has no feature columns besides the target {args.target!r}")
    X = table.matrix(features)
    loss, y, classes = _encode_target(table, args.target, args.loss)

    # Shuffle the rows once (seeded) before holding out validation rows: files are often sorted.
    n = len(X)
    order = np.random.default_rng(args.seed).permutation(n)
    X, y = X[order], y[order]
    n_val = int(round(n * args.validation_split))
    if args.validation_split > 0 and not 1 <= n_val < n:
        raise CLIError(f"--validation-split {args.validation_split} of {n} rows leaves {n_val} for validation "
                       f"and {n - n_val} for training; both must be >= 1")
    X_train, y_train = X[:n - n_val], y[:n - n_val]
    X_val, y_val = X[n - n_val:], y[n - n_val:]

    # Standardise with the training rows' statistics (folded into the weights before saving).
    mean = X_train.mean(axis=0) if args.standardize else np.zeros(X.shape[1])
    scale = X_train.std(axis=0) if args.standardize else np.ones(X.shape[1])
    scale = np.where(scale > 0, scale, 1.0)
    y_mean = y_scale = None
    if classes is None and args.standardize:
        y_mean, y_scale = float(y_train.mean()), float(y_train.std()) or 1.0

    def prepare(X_part, y_part):
        X_part = (X_part - mean) / scale
        if y_scale is not None:
            y_part = (y_part - y_mean) / y_scale
        return X_part, y_part

    train = prepare(X_train, y_train)
    val = prepare(X_val, y_val) if n_val else None
    n_outputs = 1 if classes is None or loss == "binary_cross_entropy" else len(classes)
    net = Network.mlp([X.shape[1], *args.hidden, n_outputs], activation=args.activation, loss=loss,
                      dtype=args.dtype, seed=args.seed)
    optimizer = OPTIMIZERS[args.optimizer](lr=args.lr)
    task = f"{len(classes)}-class classification" if classes is not None else "regression"
    _info(f"{args.data}: {n} rows, {len(features)} features, target {args.target!r} ({task}, loss {loss}); "
          f"{len(X_train)} for training, {n_val} for validation")
    _info(f"network: {net}")
    history = net.fit(*train, optimizer=optimizer, epochs=args.epochs, batch_size=args.batch_size,
                      validation_data=val, early_stopping=args.early_stopping,
                      progress=False if args.no_progress else True)
    if history.interrupted:
        _info("training interrupted; saving the network as it is")
    if history.stopped_early:
        _info(f"early stopping after epoch {len(history)}; kept the best epoch ({history.best_epoch})")

    y_pair = (y_mean, y_scale) if y_scale is not None else None
    train_figures = _metrics(net, *train, loss, classes, y_pair)
    _info(f"train:      {_format(train_figures, y_pair is not None)}")
    if val is not None:
        _info(f"validation: {_format(_metrics(net, *val, loss, classes, y_pair), y_pair is not None)}")

    if args.standardize:
        _fold_standardisation(net, mean, scale, y_mean, y_scale)
    metadata = {
        "created_by": f"fastnet {__version__} train",
        "feature_names": features,
        "target": args.target,
        "task": "classification" if classes is not None else "regression",
        "classes": classes,
        "standardization": {"feature_mean": mean.tolist(), "feature_scale": scale.tolist(),
                            "target_mean": y_mean, "target_scale": y_scale,
                            "folded_into_weights": bool(args.standardize)},
    }
    # The optimizer state belongs to the standardised coordinates, which folding left: not saved.
    path = save(net, args.out, include_optimizer=not args.standardize, metadata=metadata)
    _info(f"saved the model to {path}")
    return 0


def _model_features(net, table):
    """The feature matrix for ``net`` from ``table``: the columns it was trained on, by name."""
    names = net.metadata.get("feature_names")
    if names:
        missing = [name for name in names if name not in table.columns]
        if missing:
            raise CLIError(f"{table.path} lacks the column{'s' if len(missing) > 1 else ''} "
                           f"{', '.join(map(repr, missing))} that the model was trained on "
                           f"({', '.join(names)})")
        return table.matrix(names)
    names = [name for name in table.names if name != net.metadata.get("target")]
    if len(names) != net.n_features:
        raise CLIError(f"{table.path} has {len(names)} columns but the model expects {net.n_features} "
                       "features (and names none: it was not saved by 'fastnet train')")
    return table.matrix(names)


def _load_model(path):
    from ..io import load

    if not os.path.exists(path) and not os.path.exists(path + ".npz"):
        raise CLIError(f"no such model file: {path}")
    return load(path)


def _format_value(value, dtype):
    return format(float(value), ".8g" if dtype == np.float32 else ".17g")


def cmd_predict(args):
    net = _load_model(args.model)
    table = read_table(args.data)
    X = _model_features(net, table)
    out = net.predict(X)
    classes = net.metadata.get("classes")
    target = net.metadata.get("target") or "prediction"
    loss = net.criterion.name

    header = [target]
    if classes:
        if loss == "cross_entropy":
            index = out.argmax(axis=1)
            proba = out
        else:
            index = (out[:, 0] >= 0.5).astype(np.int64)
            proba = np.column_stack([1 - out[:, 0], out[:, 0]])
        labels = [classes[k] for k in index]
        rows = [[str(label)] for label in labels]
        if args.proba:
            header += [f"p({c})" for c in classes]
            for row, p in zip(rows, proba):
                row += [_format_value(v, net.dtype) for v in p]
    else:
        if out.shape[1] > 1:
            header = [f"{target}[{k}]" for k in range(out.shape[1])]
        rows = [[_format_value(v, net.dtype) for v in r] for r in out]

    if args.out:
        with open(args.out, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(header)
            writer.writerows(rows)
        _info(f"wrote {len(rows)} predictions to {args.out}")
    else:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)

    # With the target in the data too, say how good the predictions are.
    if net.metadata.get("target") in table.columns:
        quiet = not args.out
        if classes:
            truth = _label_strings(table.columns[target])
            hits = np.mean([a == str(b) for a, b in zip(truth, labels)])
            _info(f"accuracy {hits:.4f} on {len(rows)} rows", to_stderr=quiet)
        elif out.shape[1] == 1:
            err = out[:, 0].astype(np.float64) - table.numeric(target)
            _info(f"rmse {np.sqrt(np.mean(err ** 2)):.4f}, mae {np.mean(np.abs(err)):.4f} on {len(rows)} rows",
                  to_stderr=quiet)
    return 0


def _random_targets(loss, n, k, rng):
    if loss == "cross_entropy":
        return rng.integers(0, k, size=n)
    if loss == "binary_cross_entropy":
        return (rng.uniform(size=(n, k)) > 0.5).astype(np.float64)
    return rng.normal(size=(n, k))


def _float64_copy(net):
    from ..nn.network import Dense, Network

    copy = Network([Dense(layer.n_in, layer.n_out, layer.activation) for layer in net.layers],
                   loss=net.criterion, dtype="float64", seed=net.seed)
    copy.params = net.params.astype(np.float64)
    return copy


def cmd_gradcheck(args):
    from ..reference.gradcheck import gradcheck
    from ..nn.network import Network

    rng = np.random.default_rng(args.seed)
    cases = []
    if args.model is None:
        if args.data is not None:
            raise CLIError("--data needs a model: fastnet gradcheck model.npz --data DATA --target COLUMN")
        # Every activation in the hidden layers, then every loss at the output.
        for name in ACTIVATIONS:
            net = Network.mlp([3, 5, 4, 2], activation=name, loss="mse", dtype="float64", seed=args.seed)
            cases.append((f"hidden {name}", net))
        for name in LOSSES:
            net = Network.mlp([3, 5, 3], activation="tanh", loss=name, dtype="float64", seed=args.seed)
            cases.append((f"loss {name}", net))
        data = [(rng.normal(size=(args.samples, c[1].n_features)),
                 _random_targets(c[1].criterion.name, args.samples, c[1].n_outputs, rng)) for c in cases]
    else:
        model = _load_model(args.model)
        net = _float64_copy(model)
        if args.data is not None:
            table = read_table(args.data)
            X = _model_features(model, table)
            target = args.target or model.metadata.get("target")
            if target is None:
                raise CLIError("give --target COLUMN: the model does not name its target")
            table.require(target, role="target column")
            classes = model.metadata.get("classes")
            if classes:
                index = {str(c): k for k, c in enumerate(classes)}
                raw = _label_strings(table.columns[target])
                unknown = sorted({v for v in raw if v not in index})
                if unknown:
                    raise CLIError(f"target column {target!r} holds labels the model does not know: {unknown[:5]}")
                y = np.array([index[v] for v in raw])
            else:
                y = table.numeric(target)
            pick = rng.permutation(len(X))[:args.samples]
            X, y = X[pick], y[pick]
        else:
            X = rng.normal(size=(args.samples, net.n_features))
            y = _random_targets(net.criterion.name, args.samples, net.n_outputs, rng)
        cases.append((os.path.basename(args.model), net))
        data = [(X, y)]

    worst = 0.0
    for (label, net), (X, y) in zip(cases, data):
        error = gradcheck(net, X, y, h=args.h, max_params=args.max_params, seed=args.seed)
        worst = error if error != error else max(worst, error)
        _info(f"{label:<28} {net.n_params:>7} params   worst relative error {error:.3e}")
        if worst != worst:
            break
    ok = worst == worst and worst <= args.tol
    _info(f"worst relative error {worst:.3e}: {'OK' if ok else 'FAILED'} (tolerance {args.tol:g})")
    return 0 if ok else 1


def cmd_demo(args):
    from .demo import run_demo

    os.makedirs(args.plot_dir, exist_ok=True)
    run_demo(epochs=args.epochs, seed=args.seed, plot_dir=str(args.plot_dir), progress=not args.no_progress)
    return 0


def run_bench(argv):
    """``fastnet bench ...``: hand the arguments to fastnet.bench.main, when that module exists."""
    try:
        available = importlib.util.find_spec("fastnet.bench") is not None
    except (ImportError, ValueError):
        available = False
    if not available:
        print("fastnet: error: the benchmarks (fastnet.bench) are not part of this installation", file=sys.stderr)
        return 2
    bench = importlib.import_module("fastnet.bench")
    try:
        code = bench.main(list(argv))
    except SystemExit as exc:   # its own argparse: --help, a usage error
        code = exc.code
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


# -- the parser ------------------------------------------------------------------------------
def build_parser():
    parser = _Parser(prog="fastnet", description="Dense neural networks trained on the CPU, fast.")
    parser.add_argument("--version", action="version", version=f"fastnet {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="{demo,train,predict,gradcheck,bench}")
    commands.required = True

    demo = commands.add_parser("demo", help="train on built-in data (two spirals, a noisy sine) and plot")
    demo.add_argument("--epochs", type=_int_at_least(1), default=300)
    demo.add_argument("--seed", type=_int_at_least(0), default=0)
    demo.add_argument("--plot-dir", default=".", help="where the loss-curve PNGs go (default: .)")
    demo.add_argument("--no-progress", action="store_true", help="no progress bar or per-epoch log")
    demo.set_defaults(func=cmd_demo)

    train = commands.add_parser("train", help="train a network on a CSV or NPZ file and save it")
    train.add_argument("data", help="CSV with a header row, or NPZ (X plus the target, or named columns)")
    train.add_argument("--target", required=True, help="the column (or array) to predict")
    train.add_argument("--out", required=True, help="where to save the model (.npz)")
    train.add_argument("--hidden", type=_hidden, default=[64], help="hidden layer widths (default: 64)")
    train.add_argument("--activation", choices=[a for a in ACTIVATIONS if a != "softmax"], default="relu",
                       help="of the hidden layers (default: relu)")
    train.add_argument("--loss", choices=["auto", *LOSSES], default="auto",
                       help=f"auto: cross_entropy if the target holds <= {MAX_AUTO_CLASSES} integer values "
                            "or text, else mse")
    train.add_argument("--optimizer", choices=list(OPTIMIZERS), default="adam")
    train.add_argument("--lr", type=_positive_float, default=1e-3)
    train.add_argument("--epochs", type=_int_at_least(0), default=50)
    train.add_argument("--batch-size", type=_int_at_least(1), default=32)
    train.add_argument("--validation-split", type=_fraction, default=0.2,
                       help="fraction of the (shuffled) rows held out (default: 0.2; 0: none)")
    train.add_argument("--seed", type=_int_at_least(0), default=0)
    train.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    train.add_argument("--early-stopping", type=_int_at_least(0), default=None, metavar="PATIENCE")
    train.add_argument("--no-standardize", dest="standardize", action="store_false",
                       help="train on the raw features (by default they are standardised, and the "
                            "scaling folded into the saved weights)")
    train.add_argument("--no-progress", action="store_true")
    train.set_defaults(func=cmd_train)

    predict = commands.add_parser("predict", help="predict with a saved model")
    predict.add_argument("model")
    predict.add_argument("data", help="CSV or NPZ holding the model's feature columns")
    predict.add_argument("--out", help="write the predictions to this CSV (default: print them)")
    predict.add_argument("--proba", action="store_true", help="also give each class's probability")
    predict.set_defaults(func=cmd_predict)

    check = commands.add_parser("gradcheck", help="check backpropagation against finite differences")
    check.add_argument("model", nargs="?", help="a saved model (default: small random networks)")
    check.add_argument("--data", help="CSV or NPZ to take a sample from (with a model)")
    check.add_argument("--target", help="the target column (default: the model's)")
    check.add_argument("--samples", type=_int_at_least(1), default=8)
    check.add_argument("--max-params", type=_int_at_least(1), default=500)
    check.add_argument("--h", type=_positive_float, default=1e-6)
    check.add_argument("--tol", type=_positive_float, default=1e-5)
    check.add_argument("--seed", type=_int_at_least(0), default=0)
    check.set_defaults(func=cmd_gradcheck)

    commands.add_parser("bench", help="benchmarks: fastnet against the reference (and others when installed)",
                        add_help=False)
    return parser


def _one_line(message):
    return " ".join(str(message).split())


def main(argv=None):
    """Run the command line; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "bench":
        return run_bench(argv[1:])
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except CLIError as exc:
        print(f"fastnet: error: {_one_line(exc)}", file=sys.stderr)
        return exc.code
    except SystemExit as exc:      # --help, --version
        return exc.code if isinstance(exc.code, int) else 0
    try:
        return args.func(args)
    except CLIError as exc:
        message, code = exc, exc.code
    except KeyboardInterrupt:
        print("fastnet: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of our output went away (``fastnet predict ... | head``): stop quietly.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass
        return 141
    except Exception as exc:
        if os.environ.get("FASTNET_DEBUG"):
            raise
        if isinstance(exc, OSError) and exc.filename is not None and exc.strerror:
            message = f"{exc.filename}: {exc.strerror}"
        else:
            message = str(exc) or type(exc).__name__
        code = 1
    print(f"fastnet: error: {_one_line(message)}", file=sys.stderr)
    return code

