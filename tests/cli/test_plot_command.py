"""``python -m fastnet plot {losses,activations}``: image files, options passed through, one-line errors."""

import os
import re
import subprocess
import sys

import pytest

from fastnet import LOSSES
from fastnet.__main__ import main
from fastnet.cli.main import build_parser

from helpers import child_process_env

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_plot_losses_writes_a_png(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    path = tmp_path / "losses.png"
    code, out, err = run(capsys, "plot", "losses", "--out", path, "--dpi", "50")
    assert code == 0, err
    assert out.strip() == f"wrote {path}"
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    # 50 dpi: the default figure (3 panels of 4.3 x 4 inches a row, and 0.65 for the legend) in pixels.
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    rows = -(-len(LOSSES) // 3)
    assert (width, height) == (645, round(50 * (4.0 * rows + 0.65)))


def test_plot_options_reach_the_plotting_functions(tmp_path, capsys, monkeypatch):
    pytest.importorskip("matplotlib")
    from fastnet import plotting

    seen = {}

    def recording(real):
        def call(**kwargs):
            seen.update(kwargs)
            return real(**kwargs)
        return call

    monkeypatch.setattr(plotting, "plot_activations", recording(plotting.plot_activations))
    code, out, err = run(capsys, "plot", "activations", "--out", tmp_path / "a.svg", "--layers", "4",
                         "--chain-z", "1.5")
    assert code == 0, err
    assert seen == {"layers": 4, "chain_z": 1.5}
    assert (tmp_path / "a.svg").read_text().lstrip().startswith("<?xml")

    seen.clear()
    monkeypatch.setattr(plotting, "plot_losses", recording(plotting.plot_losses))
    code, out, err = run(capsys, "plot", "losses", "--out", tmp_path / "l.png", "--targets", "0.25,1")
    assert code == 0, err
    assert seen == {"targets": [0.25, 1.0]}


def test_defaults():
    parser = build_parser()
    losses = parser.parse_args(["plot", "losses"])
    assert (losses.out, losses.dpi, losses.targets) == ("fastnet-losses.png", 100, [0.0, 1.0])
    activations = parser.parse_args(["plot", "activations"])
    assert (activations.out, activations.layers, activations.chain_z) == ("fastnet-activations.png", 10, None)


@pytest.mark.parametrize("picture, n_options", [("losses", 3), ("activations", 4)])
def test_every_option_says_its_default(picture, n_options, capsys):
    code, out, err = run(capsys, "plot", picture, "--help")
    assert code == 0
    options = re.findall(r"^  (--[a-z-]+)", out, re.MULTILINE)
    assert "--out" in options and "--dpi" in options and len(options) == n_options
    entries = re.split(r"\n  (?=--)", out.split("options:", 1)[1])[1:]
    assert len(entries) == len(options)
    for entry in entries:
        assert "(default:" in " ".join(entry.split()), entry


@pytest.mark.parametrize("argv, code, message", [
    (["plot"], 2, "required: {losses,activations}"),
    (["plot", "curves"], 2, "invalid choice: 'curves'"),
    (["plot", "losses", "--targets", "0,2"], 2, "targets must lie in [0, 1], got 2"),
    (["plot", "losses", "--targets", "zero"], 2, "comma-separated numbers"),
    (["plot", "activations", "--layers", "0"], 2, "must be >= 1"),
    (["plot", "activations", "--chain-z", "inf"], 2, "must be a finite number"),
    (["plot", "losses", "--out", "{tmp}/losses.xyz"], 2, "expected a file name ending in one of"),
    (["plot", "losses", "--out", "{tmp}/missing/losses.png"], 1, "does not exist"),
])
def test_errors_are_one_line(argv, code, message, capsys, tmp_path):
    if "--out" in argv:
        pytest.importorskip("matplotlib")
    got, out, err = run(capsys, *[a.format(tmp=tmp_path) for a in argv])
    assert got == code
    assert err.startswith("fastnet: error:") and err.count("\n") == 1 and message in err, err
    assert not os.listdir(tmp_path)


def test_without_matplotlib_the_error_names_the_extra(tmp_path):
    # A fresh interpreter where `import matplotlib` fails, as when it is not installed.
    code = ("import sys; sys.modules['matplotlib'] = None\n"
            "from fastnet.cli.main import main\n"
            f"sys.exit(main(['plot', 'losses', '--out', {str(tmp_path / 'x.png')!r}]))")
    # The fastnet this process imports (installed, or built in place), from an empty directory.
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=child_process_env(),
                            cwd=tmp_path, timeout=120)
    assert result.returncode == 1, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "fastnet plot needs matplotlib" in result.stderr and "pip install 'fastnet[plot]'" in result.stderr
    assert not (tmp_path / "x.png").exists()
