"""Issue 19 item 7: a save killed mid-write never corrupts the model, and the next save cleans up after it.

``Network.save`` writes ``.<name>.<pid>.<random>.tmp`` beside the model, locked,
and renames it over the model; a SIGKILL leaves the temporary file, which the
next save to the same path removes when its writer is gone (the pid is not a
live process and no process holds its lock). A live writer's file is never
removed.
"""

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import fastnet
from helpers import child_process_env

pytestmark = pytest.mark.skipif(os.name != "posix", reason="stale temporaries are recognised on POSIX only")

# Saves a 1.5M-parameter network (12 MB) in a loop, each time with every parameter set to the
# iteration number, and says "ready" after the first whole save.
_WRITER = textwrap.dedent("""
    import sys
    import fastnet
    net = fastnet.Network.mlp([1000, 1000, 500], dtype="float64", seed=0)
    i = 0
    while True:
        net.params[:] = i
        net.save(sys.argv[1], metadata={"i": i})
        if i == 0:
            print("ready", flush=True)
        i += 1
""")


def _temporaries(directory):
    return sorted(name for name in os.listdir(directory) if name.endswith(".tmp"))


def _kill_mid_save(path, rng):
    """Start a writer, SIGKILL it at a random moment after its first save; the temporaries it left."""
    child = subprocess.Popen([sys.executable, "-c", _WRITER, str(path)], stdout=subprocess.PIPE,
                             cwd=path.parent, env=child_process_env())
    try:
        assert child.stdout.readline() == b"ready\n"
        time.sleep(rng.uniform(0.0, 0.15))
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
    return _temporaries(path.parent)


def test_killed_saves_never_corrupt_the_model_and_the_next_save_cleans_up(tmp_path):
    path = tmp_path / "model.npz"
    rng = np.random.default_rng(0)
    left = []
    for _ in range(12):
        left.append(_kill_mid_save(path, rng))
        # Each writer's first save removed what the writer before it left, so at most one remains.
        assert len(left[-1]) <= 1
        net = fastnet.load(path)   # whole: every CRC checks, and the parameters are one save's
        assert np.all(net.params == net.metadata["i"])
        if sum(1 for names in left if names) >= 3:
            break
    assert sum(1 for names in left if names) >= 3, f"no kill landed mid-save in {len(left)} tries: {left}"

    if not _temporaries(tmp_path):   # the last kill landed between two saves: make a stale file
        stale = tmp_path / f".model.npz.{_dead_pid()}.abcd1234.tmp"
        stale.write_bytes(b"PK\x03\x04 half a model")
    fastnet.Network.mlp([3, 2], seed=1).save(path)
    assert os.listdir(tmp_path) == ["model.npz"]
    assert fastnet.load(path).sizes == [3, 2]


def _dead_pid():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid   # reaped: no process has it (until the kernel reuses it, long after this test)


_HOLD_LOCK = textwrap.dedent("""
    import fcntl, os, sys, time
    fd = os.open(sys.argv[1], os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    print("locked", flush=True)
    time.sleep(60)
""")


def test_only_files_whose_writer_is_gone_are_removed(tmp_path):
    net = fastnet.Network.mlp([3, 2], seed=0)
    dead = _dead_pid()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    stale = tmp_path / f".m.npz.{dead}.abcd1234.tmp"
    kept = {
        "a live process's": tmp_path / f".m.npz.{sleeper.pid}.abcd1234.tmp",
        "this process's (another thread's save)": tmp_path / f".m.npz.{os.getpid()}.abcd1234.tmp",
        "a locked one (a writer in another pid namespace)": tmp_path / f".m.npz.{dead}.locked00.tmp",
        "an older fastnet's, without a pid": tmp_path / ".m.npz.abcd1234.tmp",
        "another model's": tmp_path / f".m.npz.1.npz.{dead}.abcd1234.tmp",
        "a name that only looks alike": tmp_path / f".m.npz.{dead}.ab.cd.tmp",
    }
    for file in (stale, *kept.values()):
        file.write_bytes(b"partial")
    locker = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, str(kept["a locked one (a writer in another "
                                                                          "pid namespace)"])],
                              stdout=subprocess.PIPE)
    try:
        assert locker.stdout.readline() == b"locked\n"
        net.save(tmp_path / "m.npz")
        for what, file in kept.items():
            assert file.exists(), f"{what} temporary file was removed"
        assert not stale.exists()
    finally:
        for child in (sleeper, locker):
            child.kill()
            child.wait()
        locker.stdout.close()
    # Once its holder is gone, the locked file of a dead pid is stale too.
    net.save(tmp_path / "m.npz")
    assert not kept["a locked one (a writer in another pid namespace)"].exists()
    assert kept["this process's (another thread's save)"].exists()


def test_a_saves_own_temporary_file_is_named_and_locked_while_it_writes(tmp_path, monkeypatch):
    import fcntl

    seen = []
    real_savez = np.savez

    def spying_savez(f, **arrays):
        (name,) = _temporaries(tmp_path)
        seen.append(name)
        other = os.open(os.path.join(tmp_path, name), os.O_RDONLY)
        try:
            with pytest.raises(BlockingIOError):   # another open file description cannot lock it
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(other)
        real_savez(f, **arrays)

    monkeypatch.setattr(np, "savez", spying_savez)
    fastnet.Network.mlp([3, 2], seed=0).save(tmp_path / "m.npz")
    monkeypatch.undo()
    assert len(seen) == 1
    assert seen[0].startswith(f".m.npz.{os.getpid()}.") and seen[0].endswith(".tmp")
    assert os.listdir(tmp_path) == ["m.npz"]


def test_a_stale_file_that_cannot_be_removed_does_not_fail_the_save(tmp_path, monkeypatch):
    stale = tmp_path / f".m.npz.{_dead_pid()}.abcd1234.tmp"
    stale.write_bytes(b"partial")
    real_unlink = os.unlink

    def refusing_unlink(path, *args, **kwargs):
        if os.fspath(path) == str(stale):
            raise PermissionError(1, "Operation not permitted", str(path))
        return real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", refusing_unlink)
    path = fastnet.Network.mlp([3, 2], seed=0).save(tmp_path / "m.npz")
    monkeypatch.undo()
    assert sorted(os.listdir(tmp_path)) == sorted(["m.npz", stale.name])
    assert fastnet.load(path).sizes == [3, 2]
