"""A sphinx-gallery image scraper for matplotlib figures made with the object API.

fastnet.plotting builds its figures as ``matplotlib.figure.Figure(...)``, never
through pyplot, so sphinx-gallery's own matplotlib scraper (which saves the
figures pyplot knows of) sees none of them. This one saves, after each code
block, every Figure the example's namespace holds that it has not saved yet,
in the order the names were bound.
"""

from __future__ import annotations

from typing import Any

# Per example file: the ids of the figures already saved (a figure shown in one
# block and still bound in the next must not appear twice).
_saved: dict[str, set[int]] = {}
DPI = 100


def scrape_figures(block: Any, block_vars: dict[str, Any], gallery_conf: dict[str, Any]) -> str:
    from matplotlib.figure import Figure
    from sphinx_gallery.scrapers import figure_rst

    saved = _saved.setdefault(str(block_vars["src_file"]), set())
    paths = []
    for value in list(block_vars["example_globals"].values()):
        if isinstance(value, Figure) and id(value) not in saved:
            saved.add(id(value))
            path = next(block_vars["image_path_iterator"])
            value.savefig(path, dpi=DPI)
            paths.append(path)
    return figure_rst(paths, gallery_conf["src_dir"])
