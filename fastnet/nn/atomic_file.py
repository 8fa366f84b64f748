"""Writing a file atomically: to a temporary file beside it, fsync'ed, renamed over it.

Readers see the old file or the new one, never a half-written one, and a
failure leaves the old file and no temporary file. A writer killed outright
(SIGKILL, power loss) leaves its temporary file, ``.<name>.<pid>.<random>.tmp``;
the next write to the same path removes those whose writer is gone
(:func:`_remove_stale_temporaries`). The model file (nn/archive.py) is written so.
"""

from __future__ import annotations

import os
import re
import tempfile
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["write_atomically"]


def _new_file_mode() -> int:
    """The mode a plain open() would give a new file (0o666 less the umask)."""
    try:  # Linux: read the umask without changing it (os.umask is process-wide and racy)
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def _temporary_pattern(basename: str) -> re.Pattern[str]:
    """The names of the temporary files of saves to ``basename``: ``.<basename>.<pid>.<random>.tmp``.

    mkstemp's random part has no dot, so another file's temporaries (``model.npz.1.npz``'s,
    say) never match ``model.npz``'s.
    """
    return re.compile(rf"\.{re.escape(basename)}\.(\d+)\.[A-Za-z0-9_]+\.tmp")


def _lock(fd: int, *, wait: bool) -> bool | None:
    """An exclusive flock on ``fd``: True if taken, False if a live process holds one, None if unsupported.

    The kernel releases it when its holder dies, even by SIGKILL, and in any pid
    namespace: a held lock says "a writer is alive" where a pid cannot.
    """
    try:
        import fcntl
    except ImportError:   # not POSIX
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:   # a file system without locks
        return None
    return True


def _pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (signal 0 checks without sending; EPERM: it exists, as another user)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except (OSError, OverflowError):   # not a valid pid: no process has it, none ever will
        return False
    return True


def _remove_stale_temporaries(directory: str, basename: str) -> None:
    """Remove the temporary files that killed saves to ``basename`` left in ``directory``.

    A file is stale when the pid in its name is not a live process AND no
    process holds its lock (a writer locks its file before writing, so a writer
    in another pid namespace, whose pid means nothing here, is still seen). A
    live writer's file -- another process's, or another thread's of this one --
    is never touched; a dead writer's pid reused by a live process leaves its
    file for a later save. POSIX only: elsewhere ``os.kill`` would not test a
    pid but end the process, and the files stay.
    """
    if os.name != "posix":
        return
    pattern = _temporary_pattern(basename)
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        match = pattern.fullmatch(name)
        if match is None or _pid_alive(int(match.group(1))):
            continue
        candidate = os.path.join(directory, name)
        try:   # read-write: NFS grants an exclusive lock only on a file open for writing
            fd = os.open(candidate, os.O_RDWR | getattr(os, "O_NOFOLLOW", 0))
        except OSError:   # gone already (another save cleaned it), or not ours to open
            continue
        try:
            if _lock(fd, wait=False) is not False:
                os.unlink(candidate)
        except OSError:   # best effort: a file this save cannot remove stays, and the save goes on
            pass
        finally:
            os.close(fd)


def write_atomically(path: str, arrays: dict[str, npt.NDArray[Any]]) -> None:
    """``np.savez`` to a temporary file beside ``path``, fsync'ed, then renamed over ``path``."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"cannot save to {path}: the directory {directory} does not exist")
    if os.path.isdir(path):
        raise IsADirectoryError(f"cannot save to {path}: it is a directory")
    basename = os.path.basename(path)
    _remove_stale_temporaries(directory, basename)
    fd, tmp = tempfile.mkstemp(prefix=f".{basename}.{os.getpid()}.", suffix=".tmp", dir=directory)
    try:
        # Locked until closed, after the rename: a cleaner never takes a live writer's file.
        _lock(fd, wait=True)
        with os.fdopen(fd, "wb") as f:
            # numpy's stub types **kwds as if "allow_pickle" could be among the names; it is not.
            np.savez(f, **arrays)  # type: ignore[arg-type]
            f.flush()
            os.fsync(f.fileno())
            os.chmod(tmp, _new_file_mode())  # mkstemp makes it 0600; give it a normal file's mode
            if os.name == "posix":   # renamed while still open and locked (Windows renames no open file)
                os.replace(tmp, path)
        if os.name != "posix":
            os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
