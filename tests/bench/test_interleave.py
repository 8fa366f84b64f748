"""benchmarks/interleave.py: two checkouts' benches taking turns, compared workload by workload."""

import importlib.util
import os
import re

import fastnet

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "..", "benchmarks", "interleave.py")


def test_the_same_checkout_twice_gives_a_ratio_per_workload(capsys):
    spec = importlib.util.spec_from_file_location("interleave", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # The directory this process imports fastnet from: the installed package or a tree built in place.
    tree = os.path.dirname(os.path.dirname(os.path.abspath(fastnet.__file__)))
    assert module.main([tree, tree, "--rounds", "2", "--", "--quick", "--workloads", "tiny", "--peers", "numpy",
                        "--no-memory", "--no-predict"]) == 0
    out = capsys.readouterr().out
    row = re.search(r"^tiny float32 +([0-9.e-]+) +([0-9.e-]+) +([0-9.]+)$", out, re.M)
    assert row is not None, out
    before, after, ratio = map(float, row.groups())
    assert before > 0 and after > 0 and abs(ratio - after / before) < 1e-3
    assert "best of 2 interleaved runs" in out
