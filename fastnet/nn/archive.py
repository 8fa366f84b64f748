"""The model file: one ``.npz`` file, no pickle inside (``Network.save`` writes it; fastnet/io/npz.py builds a Network from it).

(Also what a pickle of a Network holds: :func:`describe`, shared with the file's
config, and :func:`restore_pickled`.)

A model file is a plain NumPy ``.npz`` archive (read with ``allow_pickle=False``,
so loading a file from elsewhere cannot run code) holding

``config``
    a 0-d unicode array: JSON describing the architecture (each layer's
    ``n_in``, ``n_out``, activation, initialiser, and ``dropout``, the rate of
    a Dropout after it, if any), the loss, the dtype, the seed, the
    shuffle generator's and the dropout stream's states, the optimizer's name, hyperparameters and step
    count, free-form ``metadata``, the fastnet version that wrote the file and
    the format version;
``params``
    the flat parameter buffer (``docs/MATH.md`` gives its layout);
``optimizer_state``
    (optional) the optimizer's state rows, shape ``(n_state, n_params)``.

With the optimizer included, ``load(path).fit(...)`` continues exactly where
the saved network stopped: the same parameters, optimizer state, step count
and shuffle state give bit-identical results to a run that never stopped.

Saving is atomic: the archive is written to a temporary file in the target's
directory, flushed and fsync'ed, then renamed over the target, so a crash
mid-save leaves the previous file as it was. A writer killed mid-save (SIGKILL,
power loss) leaves its temporary file, ``.<name>.<pid>.<random>.tmp``; the
next save to the same path removes those whose writer is gone
(fastnet/nn/atomic_file.py).
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
import numpy.typing as npt

from .._version import __version__
from ..optim.optimizers import OPTIMIZERS
from .layers import layer_specs
from .atomic_file import write_atomically
from .custom_loss import check_savable
from .labels import as_classes

if TYPE_CHECKING:
    from ..optim.optimizers import Optimizer
    from .network import Network

__all__ = ["save", "read", "describe", "restore_pickled", "FORMAT_VERSION"]

#: What a path may be: as ``open()`` takes it.
PathLike: TypeAlias = "str | bytes | os.PathLike[str] | os.PathLike[bytes]"

#: Bumped when a file written by this version could not be read by an older one.
FORMAT_VERSION = 1
_FORMAT = "fastnet.Network"
_SUFFIX = ".npz"
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a zip with members, an empty zip


# -- paths ------------------------------------------------------------------------
def _as_str(path: PathLike) -> str:
    """``path`` as a str (bytes decoded as the file system does), else a TypeError."""
    raw = os.fspath(path)
    if isinstance(raw, bytes):
        raw = os.fsdecode(raw)
    if not isinstance(raw, str):
        raise TypeError(f"path must be a str or os.PathLike, got {type(raw).__name__}")
    return raw


def _with_suffix(path: str) -> str:
    """``path`` ending in ``.npz`` (np.savez appends it the same way)."""
    return path if path.endswith(_SUFFIX) else path + _SUFFIX


def _resolve_for_load(path: PathLike) -> str:
    """The file to read: ``path`` itself, or ``path + '.npz'`` as save() wrote it."""
    raw = _as_str(path)
    suffixed = _with_suffix(raw)
    for candidate in dict.fromkeys((raw, suffixed)):  # raw first; once if it has the suffix already
        if os.path.exists(candidate):
            return candidate
    tried = raw if suffixed == raw else f"{raw} (nor {suffixed})"
    raise FileNotFoundError(f"no fastnet model file at {tried}")


# -- what a Network is, as plain data ------------------------------------------------
def describe(net: Network) -> dict[str, Any]:
    """``Network(...)``'s arguments for ``net`` as JSON values, and its shuffle state.

    The model file's config and a pickle of the network both hold this.
    """
    return {"layers": layer_specs(net.layers), "loss": net.criterion.to_dict(),
            "dtype": net.dtype.name, "seed": int(net.seed), "shuffle_state": int(net._shuffle_state[0]),
            "dropout_state": int(net._shuffle_state[1]),
            "classes": None if net.classes is None else net.classes.tolist()}



def restore_pickled(net: Network, state: dict[str, Any]) -> None:
    """The rest of ``Network.__setstate__``, once ``net`` is rebuilt from ``state``'s description."""
    net._params[:] = state["params"]
    net._shuffle_state[0] = state["shuffle_state"]
    if "dropout_state" in state:   # pickles of fastnet before dropout: the stream starts at the seed's
        net._shuffle_state[1] = state["dropout_state"]
    net.metadata = state.get("metadata", {})
    net.classes = as_classes(state.get("classes"), "the pickled network")
    net.n_threads = state.get("n_threads", 1)
    optimizer = state["optimizer"]
    net._optimizer = optimizer
    if getattr(optimizer, "full_batch", False):
        optimizer._owner = None
        optimizer.bind(net)   # LBFGS adopts its pickled memory (its pairs and point) in bind
    elif optimizer is not None and optimizer.state is not None:
        rows, t = optimizer.state, optimizer.t
        optimizer._owner = None
        optimizer.bind(net)  # re-binds to this network (bind starts a fresh state)
        optimizer.state[:] = rows
        optimizer.t = t


# -- save -------------------------------------------------------------------------
def _describe_optimizer(optimizer: Optimizer, n_params: int) -> tuple[dict[str, Any], npt.NDArray[Any] | None]:
    """The optimizer as (JSON-able dict, state array or None)."""
    cls = OPTIMIZERS.get(optimizer.name)
    if cls is None or type(optimizer) is not cls:
        raise ValueError(f"cannot save optimizer {type(optimizer).__name__}: only fastnet's own "
                         f"optimizers ({', '.join(OPTIMIZERS)}) can be saved; use include_optimizer=False")
    hyper = {}
    for key, value in optimizer.hyperparameters.items():
        hyper[key] = list(value) if isinstance(value, tuple) else value
    state = optimizer.state
    if state is not None:
        state = np.ascontiguousarray(state)
        if state.shape != (optimizer.n_state, n_params):
            raise ValueError(f"the optimizer's state has shape {state.shape}, but a {optimizer.name} "
                             f"state for this network has shape {(optimizer.n_state, n_params)}; "
                             "it belongs to another network (use include_optimizer=False)")
    return {"name": optimizer.name, "hyperparameters": hyper, "t": int(optimizer.t),
            "has_state": state is not None}, state


def _contents(net: Network, include_optimizer: bool, metadata: dict[str, Any] | None) -> dict[str, npt.NDArray[Any]]:
    """The arrays of the file: ``params``, ``optimizer_state`` if kept, and ``config`` (JSON)."""
    config: dict[str, Any] = {
        "format": _FORMAT,
        "format_version": FORMAT_VERSION,
        "fastnet_version": __version__,
        **describe(net),
        "n_params": int(net.n_params),
        "optimizer": None,
        "metadata": metadata,
    }
    arrays = {"params": np.ascontiguousarray(net.params)}
    # fastnet.LBFGS's memory is not written (the file keeps kernel optimizers' state rows): the
    # loaded network has no optimizer, and a fit with optimizer=LBFGS() starts its memory afresh.
    if include_optimizer and net._optimizer is not None and not getattr(net._optimizer, "full_batch", False):
        config["optimizer"], state = _describe_optimizer(net._optimizer, net.n_params)
        if state is not None:
            arrays["optimizer_state"] = state
    try:
        text = json.dumps(config, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"metadata must hold only JSON values (dict, list, str, finite numbers, "
                        f"bool, None): {exc}") from None
    arrays["config"] = np.array(text)
    return arrays


def save(net: Network, path: PathLike, include_optimizer: bool = True,
         metadata: dict[str, Any] | None = None) -> str:
    """Write ``net`` to ``path`` as one ``.npz`` file, atomically; returns the path written.

    Parameters
    ----------
    net : fastnet.Network
    path : str or os.PathLike
        ``.npz`` is appended when missing (as ``np.savez`` does); :func:`load`
        finds the file again from the same string.
    include_optimizer : bool
        Also store the last optimizer ``fit`` used (name, hyperparameters, step
        count and state), so that training resumes exactly where it stopped.
        Not :class:`fastnet.LBFGS`, whose memory the file does not hold: the
        loaded network has no optimizer (a pickle keeps it).
    metadata : dict or None
        Anything JSON can hold (feature names, class labels, notes); comes back
        as ``net.metadata`` from :func:`load`. None keeps ``net.metadata`` if the
        network has one (a loaded network keeps its metadata when saved again).

    The file is written to a temporary file beside ``path``, flushed to disk,
    then renamed over ``path``: readers see the old file or the new one, never
    a half-written one, and a failure leaves the old file and no temporary file.
    A save killed outright (SIGKILL) leaves its temporary file, which the next
    save to ``path`` removes (POSIX).
    """
    check_savable(net.criterion)   # first: a custom loss is code, which the file does not hold
    path = _with_suffix(_as_str(path))
    if metadata is None:
        metadata = getattr(net, "metadata", None)
    if metadata is not None and not isinstance(metadata, dict):
        raise TypeError(f"metadata must be a dict (of JSON values), got {type(metadata).__name__}")
    write_atomically(path, _contents(net, include_optimizer, metadata))
    return path


# -- load -------------------------------------------------------------------------
def _read_arrays(path: str) -> dict[str, npt.NDArray[Any]]:
    """Every array in the archive at ``path``, read fully (so every CRC is checked)."""
    with open(path, "rb") as f:
        head = f.read(4)
    if head not in _ZIP_MAGIC:
        kind = "an .npy array" if head == b"\x93NUM" else "empty" if not head else f"starts with {head!r}"
        raise ValueError(f"{path} is not a fastnet model: it is not an .npz archive ({kind})")
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except ValueError as exc:
        if "allow_pickle" in str(exc):
            raise ValueError(f"{path} is not a fastnet model: it holds pickled Python objects, which "
                             "fastnet never loads (they could run code)") from None
        raise ValueError(f"{path} is truncated or corrupted and cannot be read as a fastnet model "
                         f"({type(exc).__name__}: {exc})") from None
    except Exception as exc:  # BadZipFile (CRC, no directory), EOFError, a garbled .npy header, ...
        raise ValueError(f"{path} is truncated or corrupted and cannot be read as a fastnet model "
                         f"({type(exc).__name__}: {exc})") from None


def _parse_config(path: str, arrays: dict[str, npt.NDArray[Any]]) -> dict[str, Any]:
    missing = [key for key in ("config", "params") if key not in arrays]
    if missing:
        raise ValueError(f"{path} is not a fastnet model: it lacks the arrays {missing} "
                         f"(it holds {sorted(arrays) or 'no arrays'})")
    raw = arrays["config"]
    if raw.ndim != 0 or raw.dtype.kind != "U":
        raise ValueError(f"{path} is not a fastnet model: 'config' is not a JSON string "
                         f"(dtype {raw.dtype}, shape {raw.shape})")
    try:
        config = json.loads(str(raw[()]))
    except ValueError as exc:
        raise ValueError(f"{path} is corrupted: its 'config' is not valid JSON ({exc})") from None
    if not isinstance(config, dict) or config.get("format") != _FORMAT:
        raise ValueError(f"{path} is not a fastnet model: its 'config' does not describe a fastnet.Network")
    version = config.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError(f"{path} is corrupted: format_version {version!r} is not a positive integer")
    if version > FORMAT_VERSION:
        raise ValueError(f"{path} was written in fastnet model format version {version} (by fastnet "
                         f"{config.get('fastnet_version', '?')}), but this fastnet {__version__} reads "
                         f"format versions up to {FORMAT_VERSION}; upgrade fastnet to load it")
    return config


def read(path: PathLike) -> tuple[dict[str, Any], dict[str, npt.NDArray[Any]], str]:
    """The checked ``(config, arrays, path)`` of the fastnet model file at ``path`` (``.npz`` optional).

    Checks the file itself (exists, an .npz without pickles, readable, a
    fastnet model of a format version this fastnet reads); what the contents
    describe is checked by the code that builds the network from them
    (fastnet/io/npz.py).
    """
    path = _resolve_for_load(path)
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path} is a directory, not a fastnet model file")
    arrays = _read_arrays(path)
    return _parse_config(path, arrays), arrays, path
