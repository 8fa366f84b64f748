"""fastnet's type information: py.typed, inline annotations, the compiled modules' .pyi stubs,
and ``mypy --strict`` on user code.

One mypy run (module-scoped: mypy's first run over numpy's stubs takes a few
seconds) checks, against the fastnet this test run imports:

* tests/typing_example.py, a typed program over the public API;
* every ```python block of README.md;
* a few lines of deliberate misuse, which mypy must reject (so the annotations
  say something, rather than typing everything as Any).

mypy reads fastnet's pure-Python modules themselves (their inline annotations),
so an error in any of them fails here too. stubtest then compares the stubs
of the compiled modules with the modules at run time, so a signature changed
in a .pyx file without its stub fails here.

The type checks skip when mypy is not installed (it is in the test extra);
the typed example also runs, with or without mypy.
"""

import importlib.metadata
import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

import fastnet

from test_readme import BLOCKS

NO_MYPY = "mypy is not installed (it is in the test extra: pip install 'fastnet[test]')"

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE / "typing_example.py"
PACKAGE_DIR = Path(fastnet.__file__).resolve().parent

MISUSE = '''\
import fastnet as fn

net = fn.Network.mlp([2, 3, 1], seed=0)
net.fit([[0.0, 1.0]], [1.0], epochs="3")  # line 4: epochs is an int
loss: str = net.loss([[0.0, 1.0]], [1.0])  # line 5: loss() returns a float
fn.Adam(lr=0.1, betas=0.9)  # line 6: betas is a pair
fn.reference.Network.mlp([2, 1]).predict([[0.0, 1.0]]).shape  # line 7: the reference returns lists
'''
MISUSE_LINES = {4, 5, 6, 7}

#: stubtest findings that are not errors: attributes Cython adds to every module,
#: and a cdef class's __cinit__ (seen as __init__(self)).
STUBTEST_ALLOWLIST = r"""
fastnet\._core\.\w+\.__test__
fastnet\._core\.network\.__(reduce|setstate)_cython__
fastnet\._core\.network\.Architecture
fastnet\._core\.network\.Architecture\.__init__
"""

#: The modules that have stubs: the compiled ones (a .pyi beside each .pyx), and any
#: pure-Python module that still has one.
STUBBED_MODULES = sorted(
    ".".join(("fastnet",) + path.relative_to(PACKAGE_DIR).with_suffix("").parts).removesuffix(".__init__")
    for path in PACKAGE_DIR.rglob("*.pyi"))


def _mypy_env():
    """The environment for mypy: it must find the same fastnet as this test run.

    An installed (non-editable) fastnet is found in site-packages through its
    py.typed marker, as users' mypy finds it; a source tree with in-place
    extensions is put on MYPYPATH (and PYTHONPATH, for stubtest).
    """
    env = dict(os.environ)
    env.pop("MYPYPATH", None)
    try:
        dist = importlib.metadata.distribution("fastnet")
        init = Path(dist.locate_file("fastnet/__init__.py"))
        installed = init.exists() and init.resolve() == PACKAGE_DIR / "__init__.py"
    except importlib.metadata.PackageNotFoundError:
        installed = False
    if not installed:
        env["MYPYPATH"] = str(PACKAGE_DIR.parent)
        # stubtest imports the modules too
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PACKAGE_DIR.parent), env.get("PYTHONPATH")]))
    return env


def _imports(module):
    try:
        importlib.import_module(module)
    except ImportError:  # an optional dependency is missing
        return False
    return True


def _run(args, cwd):
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, env=_mypy_env(),
                          capture_output=True, text=True)


@pytest.fixture(scope="module")
def mypy_report(tmp_path_factory):
    """{file name: [(line, message), ...]} from one ``mypy --strict`` run over the checked files."""
    pytest.importorskip("mypy", reason=NO_MYPY)
    work = tmp_path_factory.mktemp("typing")
    files = ["typing_example.py", "misuse.py"]
    (work / "typing_example.py").write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    (work / "misuse.py").write_text(MISUSE, encoding="utf-8")
    for line, code in BLOCKS:
        name = f"readme_line_{line}.py"
        (work / name).write_text("\n" * (line - 1) + code, encoding="utf-8")
        files.append(name)
    result = _run(["mypy", "--strict", "--no-error-summary", "--show-error-codes",
                   "--cache-dir", str(work / ".mypy_cache"), *files], cwd=work)
    report = {name: [] for name in files}
    for match in re.finditer(r"^(?P<file>[^:\n]+):(?P<line>\d+): error: (?P<message>.*)$", result.stdout, re.M):
        report.setdefault(Path(match["file"]).name, []).append((int(match["line"]), match["message"]))
    unexplained = [line for line in result.stdout.splitlines()
                   if ": error:" in line and Path(line.split(":")[0]).name not in files]
    assert result.returncode in (0, 1) and not unexplained, (
        f"mypy failed outside the checked files (in fastnet's annotations or stubs?):\n{result.stdout}\n{result.stderr}")
    return report


def test_typing_example_passes_mypy_strict(mypy_report):
    errors = mypy_report["typing_example.py"]
    assert not errors, "\n".join(f"typing_example.py:{line}: {message}" for line, message in errors)


@pytest.mark.parametrize("line", [line for line, _ in BLOCKS], ids=[f"README.md:{line}" for line, _ in BLOCKS])
def test_readme_block_passes_mypy_strict(mypy_report, line):
    errors = mypy_report[f"readme_line_{line}.py"]
    assert not errors, "\n".join(f"README.md:{n}: {message}" for n, message in errors)


def test_stubs_reject_misuse(mypy_report):
    flagged = {line for line, _ in mypy_report["misuse.py"]}
    assert flagged == MISUSE_LINES, mypy_report["misuse.py"]


def test_typing_example_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(EXAMPLE), run_name="__main__")
    assert f"fastnet {fastnet.__version__}" in capsys.readouterr().out


def test_stubs_match_the_runtime(tmp_path):
    pytest.importorskip("mypy.stubtest", reason=NO_MYPY)
    allowlist = tmp_path / "allowlist.txt"
    allowlist.write_text(STUBTEST_ALLOWLIST)
    modules = [module for module in STUBBED_MODULES if _imports(module)]  # optional extras may be absent
    result = _run(["mypy.stubtest", "--allowlist", str(allowlist),
                   *modules], cwd=tmp_path)
    assert result.returncode == 0, f"stubs and modules disagree:\n{result.stdout}\n{result.stderr}"
