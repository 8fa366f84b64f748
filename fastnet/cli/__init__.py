"""The ``fastnet`` command (``python -m fastnet``): a thin entry point over the library.

``main.py`` builds the parser from the subcommand modules (``demo_command``,
``train``, ``predict``, ``gradcheck``, ``plot_command``, ``bench_command``) and turns errors
into one line and an exit code; ``messages``, ``options``, ``tables``,
``targets``, ``models`` and ``standardize`` are what the subcommands share.
"""

# `fastnet.cli.main` is the function (the console script and fastnet/__main__.py call it);
# this import rebinds the name, which the submodule fastnet.cli.main first bound to itself.
from .main import main

__all__ = ["main"]
