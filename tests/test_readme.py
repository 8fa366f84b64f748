"""The README's Python examples, and those of docs/GUIDE.md, run as written.

Every ```python block of README.md and of docs/GUIDE.md (where the README's
narrative moved) runs in a fresh namespace, in a temporary working directory
(the examples write model files), against the fastnet this test run imports.
tests/test_typing.py type-checks the README's blocks.
"""

import os
import re
from pathlib import Path

import pytest

README = Path(os.environ.get("FASTNET_README", Path(__file__).resolve().parent.parent / "README.md"))
#: Absent where only README.md travels with the tests (cibuildwheel's test-sources).
GUIDE = README.parent / "docs" / "GUIDE.md"

_FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)


def python_blocks(text):
    """(line number of the block's first code line, code) for each ```python block of ``text``."""
    return [(text.count("\n", 0, m.start(1)) + 1, m.group(1)) for m in _FENCE.finditer(text)]


BLOCKS = python_blocks(README.read_text(encoding="utf-8")) if README.is_file() else []
GUIDE_BLOCKS = python_blocks(GUIDE.read_text(encoding="utf-8")) if GUIDE.is_file() else []


def test_readme_has_python_examples():
    if not README.is_file():
        pytest.skip(f"no README.md at {README} (set FASTNET_README)")
    assert BLOCKS, "README.md has no ```python blocks: the public API should be shown by runnable examples"


def test_fence_parser():
    text = "intro\n```python\nx = 1\n```\n\n```bash\nls\n```\n```python\ny = 2\nz = 3\n```\n"
    assert python_blocks(text) == [(3, "x = 1\n"), (10, "y = 2\nz = 3\n")]


def _run_block(path, line, code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # Padded with blank lines so that a traceback names the line of the file.
    compiled = compile("\n" * (line - 1) + code, str(path), "exec")
    exec(compiled, {"__name__": "__readme__"})


@pytest.mark.parametrize("line, code", BLOCKS, ids=[f"README.md:{line}" for line, _ in BLOCKS])
def test_readme_block_runs(line, code, tmp_path, monkeypatch):
    _run_block(README, line, code, tmp_path, monkeypatch)


@pytest.mark.parametrize("line, code", GUIDE_BLOCKS, ids=[f"docs/GUIDE.md:{line}" for line, _ in GUIDE_BLOCKS])
def test_guide_block_runs(line, code, tmp_path, monkeypatch):
    if "sklearn" in code:
        pytest.importorskip("sklearn", reason="scikit-learn is not installed")
    if "import torch" in code:
        pytest.importorskip("torch", reason="PyTorch is not installed")
    if "onnxruntime" in code:
        pytest.importorskip("onnxruntime", reason="onnxruntime is not installed")
    if "import optuna" in code:
        pytest.importorskip("optuna", reason="optuna (fastnet[optuna]) is not installed")
    _run_block(GUIDE, line, code, tmp_path, monkeypatch)


def test_readme_showcase_reaches_what_it_prints(tmp_path, monkeypatch, capsys):
    # The "Ten lines" block as written: its printed validation accuracy is at least 0.95.
    if not README.is_file():
        pytest.skip(f"no README.md at {README} (set FASTNET_README)")
    text = README.read_text(encoding="utf-8")
    showcase = text[text.index("## Ten lines"):]
    (line, code), = python_blocks(showcase)[:1]
    line += text.count("\n", 0, text.index("## Ten lines"))
    _run_block(README, line, code, tmp_path, monkeypatch)
    printed = capsys.readouterr().out.strip()
    match = re.fullmatch(r"validation accuracy (\d\.\d{3}) after (\d+) epochs", printed)
    assert match, printed
    assert float(match.group(1)) >= 0.95
