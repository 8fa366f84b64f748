"""Sphinx configuration of fastnet's documentation site.

Build it with ``python -m sphinx -W -b html docs docs/_build/html`` (the ``docs``
extra installs what it needs); open ``docs/_build/html/index.html``.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# fastnet as Python finds it: run from a clone, the clone with its in-place kernels;
# .ci/run builds from a copy without the package, so the installed wheel. Else the
# clone this file is in.
try:
    import fastnet
except ImportError:
    sys.path.insert(0, str(ROOT))
    import fastnet

os.environ.setdefault("MPLBACKEND", "Agg")
sys.path.insert(0, str(Path(__file__).resolve().parent / "sphinxext"))  # gallery_figures

project = "fastnet"
author = "the fastnet developers"
copyright = "the fastnet developers"  # noqa: A001 - Sphinx's name for it
release = fastnet.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]
templates_path = ["_templates"]

# -- API reference: autosummary writes one page per public name (docs/api/generated/).
autosummary_generate = True
autosummary_imported_members = True
autosummary_ignore_module_all = False  # each page lists the module's __all__
autodoc_default_options = {"members": True, "inherited-members": False, "show-inheritance": True}
autodoc_typehints = "none"  # the signatures show them; numpydoc renders the parameter lists
# A name a subpackage re-exports from ``fastnet`` itself (fastnet.optim.schedules.StepLR is
# fastnet.StepLR) is documented once, on its fastnet.X page; the subpackage's page links there.
API_MODULES = ["fastnet", "fastnet.datasets", "fastnet.io", "fastnet.optim.schedules", "fastnet.plotting",
               "fastnet.sklearn", "fastnet.distributed", "fastnet.reference", "fastnet.bench"]


def _toplevel_aliases() -> dict[str, list[str]]:
    aliases = {}
    for name in API_MODULES[1:]:
        module = importlib.import_module(name)
        aliases[name] = [item for item in getattr(module, "__all__", ())
                         if item in fastnet.__all__ and getattr(module, item) is getattr(fastnet, item)]
    return aliases


autosummary_context = {"toplevel_aliases": _toplevel_aliases()}
numpydoc_show_class_members = False  # autosummary's class template lists the members
numpydoc_class_members_toctree = False

# -- The Markdown files in docs/ (GUIDE.md, MATH.md, ...), read by MyST.
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# -- The gallery: examples/*.py at the top of the repository. Files named plot_*.py
# run at build time; the others (those needing a cluster) are shown, not run.
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "matplotlib_animations": False,
    # fastnet.plotting's figures are matplotlib's object API, not pyplot's (docs/sphinxext/gallery_figures.py)
    "image_scrapers": ("gallery_figures.scrape_figures",),
    "capture_repr": (),  # a block ending in ``fig`` shows the figure, not "<Figure size ...>"
    "reset_modules": ("matplotlib",),
    "show_memory": False,
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
}

html_theme = "pydata_sphinx_theme"
html_title = f"fastnet {release}"
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "secondary_sidebar_items": ["page-toc"],
}
# The theme's colour mode on a first visit; without it the theme logs
# "Got invalid theme mode" to the console (tests/test_docs.py fails on console errors).
html_context = {"default_mode": "auto"}
html_show_sourcelink = False
# The pages without subpages get the full width, not an empty navigation column.
html_sidebars = {page: [] for page in ("index", "GUIDE", "MATH", "BENCHMARKS", "SCALING", "C_API", "ARCHITECTURE",
                                       "changelog")}


def _skip_member(app, what, name, obj, skip, options):
    # scikit-learn's generated metadata-routing setters (set_fit_request, ...): their
    # docstrings point into scikit-learn's own documentation.
    if re.fullmatch(r"set_\w+_request", name):
        return True
    return None


def _link_changelog(app, docname, source):
    # docs/GUIDE.md links ../CHANGELOG.md, outside the documentation's source tree:
    # on the site that is the changelog page (docs/changelog.md includes the file).
    source[0] = source[0].replace("](../CHANGELOG.md)", "](changelog.md)")


def setup(app):
    app.connect("autodoc-skip-member", _skip_member)
    app.connect("source-read", _link_changelog)
