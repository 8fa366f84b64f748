"""The package's layout is its design: imports run one way, modules and functions stay small.

Read from the source (``ast``), not from what happens to be imported, so that
an import inside a function counts as much as one at the top of a module (the
circles of fastnet 0.1 hid in function-level imports). docs/ARCHITECTURE.md
draws the same layers.
"""

import ast
import importlib
import importlib.util
import re
import sys
from pathlib import Path

import pytest

import fastnet
from fastnet import _aliases

PACKAGE_DIR = Path(fastnet.__file__).resolve().parent
ROOT = PACKAGE_DIR.parent

#: Each part of the package and its layer: a module may import its own part and
#: the parts of lower layers, never a part of its own layer or a higher one.
#: "fastnet" is the package's __init__ (the public names) and _aliases.
LAYERS = {
    "_version": 0, "_core": 0,
    "runtime": 1, "datasets": 1,
    "checks": 2,
    "optim": 3,
    "train": 4,         # the loop needs only the engine interface, never a layer
    "nn": 5,            # Network.fit calls train.fit
    "reference": 6,     # the pure-Python twin; it shares nn's one list of activations and losses
    "io": 7,
    "fastnet": 8, "sklearn": 8, "distributed": 8, "plotting": 8,
    "bench": 9,         # measures the public API against its peers
    "cli": 10, "__main__": 11,
}

#: Longer than the rule of thumb (about 400 lines a module, 60 a function) only
#: with a reason written here.
LONG_MODULES: dict[str, str] = {
    "fastnet.nn.network": "the public Network class, whose methods are short calls into train/, archive, stack "
                          "and the engine; its length is the documentation of fit's options (about 70 lines), "
                          "which users read there (help(Network.fit)) and nowhere else",
}
MODULE_LINES = 400
FUNCTION_LINES = 60


def _modules():
    return sorted(PACKAGE_DIR.rglob("*.py"))


def _name(path):
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _part(module):
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] != "_aliases" else "fastnet"


def _imports(path):
    """Every fastnet module ``path`` imports, anywhere in it, with the line."""
    module = _name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                stem = ".".join(base + ([node.module] if node.module else []))
                names = [f"{stem}.{alias.name}" for alias in node.names] if node.module is None else [stem]
            else:
                names = [node.module]
        else:
            continue
        for name in names:
            if name == "fastnet" or name.startswith("fastnet."):
                yield node.lineno, name


def test_every_part_has_a_layer():
    parts = {_part(_name(path)) for path in _modules()}
    assert parts <= set(LAYERS), f"parts with no layer in LAYERS: {sorted(parts - set(LAYERS))}"


def test_imports_run_downward_only():
    upward = []
    for path in _modules():
        source = _part(_name(path))
        for line, target in _imports(path):
            part = _part(target) if target != "fastnet" else "fastnet"
            if part != source and LAYERS[part] >= LAYERS[source]:
                upward.append(f"{path.relative_to(ROOT)}:{line}: {source} (layer {LAYERS[source]}) imports "
                              f"{target} (layer {LAYERS[part]})")
    assert not upward, "imports that run sideways or upward:\n" + "\n".join(upward)


def test_the_core_imports_nothing_of_fastnet():
    for path in (PACKAGE_DIR / "_core").glob("*.pyx"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import|cimport)\s+fastnet\.(?!_core)", text, re.M), path


def test_modules_stay_small():
    long = {_name(path): n for path in _modules()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MODULE_LINES
            and _name(path) not in LONG_MODULES}
    assert not long, f"modules over {MODULE_LINES} lines with no reason in LONG_MODULES: {long}"


def _code_lines(node):
    """A function's lines without its docstring."""
    lines = node.end_lineno - node.lineno + 1
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        lines -= body[0].end_lineno - body[0].lineno + 1
    return lines


def test_functions_stay_short():
    long = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _code_lines(node) > FUNCTION_LINES:
                long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({_code_lines(node)} lines)")
    assert not long, f"functions over {FUNCTION_LINES} lines (docstring aside):\n" + "\n".join(long)


def test_stubs_only_beside_compiled_modules():
    stray = [str(p.relative_to(ROOT)) for p in PACKAGE_DIR.rglob("*.pyi")
             if not p.with_suffix(".pyx").exists()]
    assert not stray, f".pyi files beside pure-Python modules (annotate the module instead): {stray}"


TESTS_DIR = Path(__file__).resolve().parent


def test_the_tests_mirror_the_package():
    """Each folder of tests/ is named after the part of fastnet it tests (core/ for _core/).

    Tests that cross the parts (layout, packaging, typing, the README, fuzzing,
    leaks, numerics) sit at the top. A test module's name is unique across the
    folders: pytest's default import mode imports it by that name alone.
    """
    folders = {p.name for p in TESTS_DIR.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))}
    parts = {p.name.lstrip("_") for p in PACKAGE_DIR.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert folders <= parts, f"test folders that name no subpackage of fastnet: {sorted(folders - parts)}"
    names = [p.name for p in TESTS_DIR.rglob("test_*.py")]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)


# ---------------------------------------------------------------------------
# What must keep working: the 0.1 import paths, the public names, the paths the docs show
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("old", sorted(_aliases.OLD_PATHS))
def test_old_import_paths_are_the_new_modules(old):
    if old == "fastnet.estimators":
        pytest.importorskip("sklearn")
    new = _aliases.OLD_PATHS[old]
    assert importlib.import_module(old) is importlib.import_module(new)


def test_old_attribute_paths():
    from fastnet.network import Network
    from fastnet.optimizers import Adam
    from fastnet.schedules import StepLR  # noqa: F401

    assert Network is fastnet.Network and Adam is fastnet.Adam
    assert callable(fastnet.gradcheck)  # the function, as in 0.1, not the module fastnet.reference.gradcheck


@pytest.mark.parametrize("name", fastnet.__all__)
def test_public_names(name):
    assert getattr(fastnet, name) is not None


_REPO = Path(__file__).resolve().parents[1]   # the checkout beside these tests, installed fastnet or not
_DOC_FILES = [_REPO / "README.md", *sorted((_REPO / "docs").glob("*.md"))]
_DOC_IMPORTS = sorted({match.groups() for path in _DOC_FILES if path.exists()
                       for match in re.finditer(r"^\s*from (fastnet[\w.]*) import ([\w, ]+)$",
                                                path.read_text(encoding="utf-8"), re.M)})


@pytest.mark.parametrize("module, names", _DOC_IMPORTS, ids=[f"{m}:{n}" for m, n in _DOC_IMPORTS])
def test_import_paths_the_docs_show(module, names):
    if module.startswith("fastnet.sklearn") or module == "fastnet.estimators":
        pytest.importorskip("sklearn")
    if module.startswith("fastnet.distributed"):
        pytest.importorskip("dask")
    imported = importlib.import_module(module)
    for name in (n.strip() for n in names.split(",")):
        assert hasattr(imported, name) or f"{module}.{name}" in sys.modules or \
            importlib.util.find_spec(f"{module}.{name}") is not None, f"{module}.{name}"
