"""The README's Python examples run as written.

Every ```python block of README.md runs in a fresh namespace, in a temporary
working directory (the examples write model files), against the fastnet this
test run imports. tests/test_typing.py type-checks the same blocks.
"""

import os
import re
from pathlib import Path

import pytest

README = Path(os.environ.get("FASTNET_README", Path(__file__).resolve().parent.parent / "README.md"))

_FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)


def python_blocks(text):
    """(line number of the block's first code line, code) for each ```python block of ``text``."""
    return [(text.count("\n", 0, m.start(1)) + 1, m.group(1)) for m in _FENCE.finditer(text)]


BLOCKS = python_blocks(README.read_text(encoding="utf-8")) if README.is_file() else []


def test_readme_has_python_examples():
    if not README.is_file():
        pytest.skip(f"no README.md at {README} (set FASTNET_README)")
    assert BLOCKS, "README.md has no ```python blocks: the public API should be shown by runnable examples"


def test_fence_parser():
    text = "intro\n```python\nx = 1\n```\n\n```bash\nls\n```\n```python\ny = 2\nz = 3\n```\n"
    assert python_blocks(text) == [(3, "x = 1\n"), (10, "y = 2\nz = 3\n")]


@pytest.mark.parametrize("line, code", BLOCKS, ids=[f"README.md:{line}" for line, _ in BLOCKS])
def test_readme_block_runs(line, code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # Padded with blank lines so that a traceback names the line of README.md.
    compiled = compile("\n" * (line - 1) + code, str(README), "exec")
    exec(compiled, {"__name__": "__readme__"})
