"""The documentation site, built with Sphinx and read in a real browser (headless Chromium).

Marked ``docs`` and deselected by default (pyproject's addopts): a build runs
the whole example gallery. ``pytest -m docs tests/test_docs.py`` runs it; with
``FASTNET_DOCS_BUILD=<dir>`` (the HTML directory of a build, as .ci/run's docs
stage makes with ``-W``) the tests read that build instead of making one.
Skipped when neither that nor Sphinx with the ``docs`` extra is there, or when
no Chromium is found (``FASTNET_CHROMIUM`` names one explicitly).

The browser is driven through the Chrome DevTools Protocol over
``--remote-debugging-pipe`` (NUL-separated JSON on file descriptors 3 and 4),
so no websocket client is needed: each page is loaded, its headings and the
natural sizes of its images are read from the rendered DOM, console errors,
uncaught exceptions and failed loads (``Log.entryAdded``) are collected, and a
screenshot is taken (written to ``FASTNET_DOCS_SCREENSHOTS`` when set).
"""

from __future__ import annotations

import base64
import io
import json
import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.docs

ROOT = Path(__file__).resolve().parent.parent
WIDTH, HEIGHT = 1280, 2000


def _chromium() -> str:
    for name in (os.environ.get("FASTNET_CHROMIUM"), "chromium", "chromium-browser", "google-chrome", "chrome"):
        if name and shutil.which(name):
            return str(shutil.which(name))
    pytest.skip("no headless Chromium found (set FASTNET_CHROMIUM, or install chromium)")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The HTML directory of a build: FASTNET_DOCS_BUILD's, or one made now with -W."""
    given = os.environ.get("FASTNET_DOCS_BUILD")
    if given:
        html = Path(given)
        assert (html / "index.html").is_file(), f"FASTNET_DOCS_BUILD={given} holds no index.html"
        return html
    for module in ("sphinx", "pydata_sphinx_theme", "numpydoc", "myst_parser", "sphinx_gallery"):
        pytest.importorskip(module, reason=f"the docs extra is not installed ({module} missing)")
    if not (ROOT / "docs" / "conf.py").is_file():
        pytest.skip("no docs/conf.py here (the tests run from a copy without the documentation sources)")
    html = tmp_path_factory.mktemp("docs") / "html"
    build = subprocess.run([sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", str(ROOT / "docs"), str(html)],
                           capture_output=True, text=True, timeout=900)
    assert build.returncode == 0, f"sphinx -W failed:\n{build.stdout[-4000:]}\n{build.stderr[-4000:]}"
    return html


class Browser:
    """One headless Chromium, spoken to in CDP over a pipe (fd 3: commands in, fd 4: replies out)."""

    def __init__(self, executable: str, profile: Path) -> None:
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def _child_fds() -> None:
            # dup2 above 4 first, so that neither pipe end overwrites the other on the way to 3 and 4
            a, b = os.dup(to_chrome_r), os.dup(from_chrome_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        args = [executable, "--headless", "--remote-debugging-pipe", "--disable-gpu", "--no-first-run",
                "--no-default-browser-check", "--hide-scrollbars", f"--window-size={WIDTH},{HEIGHT}",
                f"--user-data-dir={profile}"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.append("--no-sandbox")  # Chromium refuses to run as root with its sandbox
        self._process = subprocess.Popen(args + ["about:blank"], preexec_fn=_child_fds, pass_fds=(3, 4),
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (OSError, RuntimeError):
            pass
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        os.close(self._to_chrome)
        os.close(self._from_chrome)

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            readable, _, _ = select.select([self._from_chrome], [], [], max(0.0, deadline - time.monotonic()))
            if not readable:
                raise RuntimeError("Chromium did not answer in time")
            chunk = os.read(self._from_chrome, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed its debugging pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        result: dict[str, Any] = json.loads(message)
        return result

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None,
             timeout: float = 60.0) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                answer: dict[str, Any] = reply.get("result", {})
                return answer
            self.events.append(reply)

    def wait_for(self, method: str, session: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == method and e.get("sessionId") == session for e in self.events):
            self.events.append(self._read_message(deadline))


# Run in the page once it has loaded: load every image (none lazily), then report
# the headings and each image's natural size.
_INSPECT = """
(async () => {
  const images = [...document.images];
  for (const img of images) { img.loading = "eager"; }
  await Promise.all(images.map(img => img.complete ? null :
      new Promise(done => { img.addEventListener("load", done); img.addEventListener("error", done); })));
  return {
    title: document.title,
    h1: [...document.querySelectorAll("article h1, main h1")].map(h => h.textContent.replace("#", "").trim()),
    h2: [...document.querySelectorAll("article h2, main h2")].map(h => h.textContent.replace("#", "").trim()),
    ids: [...document.querySelectorAll("[id]")].map(e => e.id),
    fields: [...document.querySelectorAll("dl.field-list > dt")].map(e => e.textContent.trim()),
    images: images.map(img => ({src: img.getAttribute("src"), cls: img.className,
                                width: img.naturalWidth, height: img.naturalHeight})),
  };
})()
"""


def _errors(events: list[dict[str, Any]], session: str) -> list[str]:
    """Console errors, uncaught exceptions and failed loads the page reported."""
    found = []
    for event in events:
        if event.get("sessionId") != session:
            continue
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            found.append("console: " + " ".join(str(a.get("value", a.get("description"))) for a in params["args"]))
        elif method == "Runtime.exceptionThrown":
            found.append("exception: " + json.dumps(params["exceptionDetails"])[:500])
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            entry = params["entry"]
            found.append(f"log: {entry.get('text')} {entry.get('url', '')}")
    return found


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Any:
    chromium = _chromium()
    b = Browser(chromium, tmp_path_factory.mktemp("chromium-profile"))
    try:
        b.send("Target.getTargets", timeout=30)
    except RuntimeError as e:
        b.close()
        pytest.skip(f"{chromium} does not run headless here: {e}")
    yield b
    b.close()


def open_page(browser: Browser, page: Path, screenshot: str) -> tuple[dict[str, Any], list[str], bytes]:
    """Load ``page`` in a new tab: its DOM report, the errors it logged, and a PNG screenshot."""
    assert page.is_file(), f"{page} was not built"
    target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    try:
        for domain in ("Page", "Runtime", "Log"):
            browser.send(f"{domain}.enable", session=session)
        browser.send("Emulation.setDeviceMetricsOverride",
                     {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False}, session=session)
        browser.send("Page.navigate", {"url": page.resolve().as_uri()}, session=session)
        browser.wait_for("Page.loadEventFired", session)
        report = browser.send("Runtime.evaluate", {"expression": _INSPECT, "awaitPromise": True,
                                                   "returnByValue": True}, session=session)
        assert "exceptionDetails" not in report, report
        shot = base64.b64decode(browser.send("Page.captureScreenshot", {"format": "png"}, session=session)["data"])
        out = os.environ.get("FASTNET_DOCS_SCREENSHOTS")
        if out:
            Path(out).mkdir(parents=True, exist_ok=True)
            (Path(out) / screenshot).write_bytes(shot)
        return report["result"]["value"], _errors(browser.events, session), shot
    finally:
        browser.send("Target.closeTarget", {"targetId": target})


def assert_not_blank(png: bytes) -> None:
    """The screenshot is 1280 wide and shows a page: many colours, not one flat fill."""
    from PIL import Image  # sphinx-gallery depends on Pillow

    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == (WIDTH, HEIGHT)
    colours = image.getcolors(maxcolors=1 << 20) or []
    assert len(colours) > 50, f"the screenshot has {len(colours)} colours: a blank page"


def gallery_images(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [img for img in report["images"] if "sphx-glr-single-img" in img["cls"]
            or "sphx-glr-multi-img" in img["cls"]]


def test_index(site: Path, browser: Browser) -> None:
    report, errors, shot = open_page(browser, site / "index.html", "index.png")
    assert report["h1"] == ["fastnet"]
    assert report["title"].startswith("fastnet")
    assert errors == []
    assert_not_blank(shot)


def test_network_api_page(site: Path, browser: Browser) -> None:
    report, errors, shot = open_page(browser, site / "api" / "generated" / "fastnet.Network.html", "network.png")
    assert report["h1"] == ["fastnet.Network"]
    # numpydoc's Parameters rendered, and every public method documented with an anchor
    for anchor in ("fastnet.Network", "fastnet.Network.fit", "fastnet.Network.predict", "fastnet.Network.save",
                   "fastnet.Network.mlp", "fastnet.Network.to_onnx"):
        assert anchor in report["ids"], f"no #{anchor} on the Network page"
    assert "Parameters:" in report["fields"], report["fields"]
    assert errors == []
    assert_not_blank(shot)


@pytest.mark.parametrize("example, heading, sections, n_images", [
    ("plot_early_stopping", "A loss curve with validation and early stopping", [], 1),
    ("plot_seed_pictures", "Losses and activations, and their derivatives",
     ["The losses", "The activations and the vanishing gradient"], 2),
])
def test_gallery_page(site: Path, browser: Browser, example: str, heading: str, sections: list[str],
                      n_images: int) -> None:
    report, errors, shot = open_page(browser, site / "auto_examples" / f"{example}.html", f"{example}.png")
    assert report["h1"] == [heading]
    assert report["h2"] == sections
    images = gallery_images(report)
    assert len(images) == n_images, report["images"]
    for img in images:
        # decoded by the browser: a missing or broken file has natural size 0 x 0
        assert img["width"] >= 400 and img["height"] >= 200, img
    assert errors == []
    assert_not_blank(shot)


def test_gallery_index_thumbnails(site: Path, browser: Browser) -> None:
    report, errors, _ = open_page(browser, site / "auto_examples" / "index.html", "gallery.png")
    assert report["h1"] == ["Examples"]
    thumbs = [img for img in report["images"] if "sphx_glr_" in (img["src"] or "") and "_thumb" in img["src"]]
    assert len(thumbs) >= 8, report["images"]
    assert all(img["width"] > 0 and img["height"] > 0 for img in thumbs), thumbs
    assert errors == []
