#!/usr/bin/env python3
"""Checks the generated course site as a reader sees it, in headless Chromium.

    docs/check_site.py HTML_DIR [--screenshots DIR] [--chromium PATH]
    docs/check_site.py --self-test     shows that each kind of problem is caught

For the main page, every chapter page and the tutorial page it
  1. checks every internal link (the file exists; a #fragment names an id or anchor in it)
     and every picture (<img>, <object>, <iframe>, <embed>: the file exists and is not empty);
  2. opens the page in headless Chromium with a small probe script that waits for MathJax
     to finish and then reports formulas left as TeX source or rendered as errors, and
     pictures the browser could not decode;
  3. renders the page to a PNG (in --screenshots, default HTML_DIR/../site-screenshots).
It prints one line per page and exits with 1 when any page has a problem.

Needs Debian's `chromium` package (tools/install_deps.sh --site-check) and nothing else.
"""
import argparse
import html.parser
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

# The pages a reader starts from: the main page, the chapter guides, the tutorial map.
PAGE_NAMES = (["index.html"] + [f"chapter{n:02d}.html" for n in range(1, 8)] +
              ["from_the_tutorial.html", "zh_from_the_tutorial.html", "architecture.html"])

# Appended to a copy of each page. MathJax 2 runs its queue after typesetting; the probe
# then counts what a reader would see as broken and writes it into the page as JSON, which
# `chromium --dump-dom` prints.
PROBE = """
<script>
(function () {
  function report() {
    var result = {formulas: 0, unrendered: [], math_errors: [], broken_pictures: []};
    var scripts = document.querySelectorAll('script[type^="math/tex"]');
    result.formulas = scripts.length;
    scripts.forEach(function (s) {
      var rendered = s.previousElementSibling;
      if (!rendered || !/MathJax/.test(rendered.className)) result.unrendered.push(s.textContent.slice(0, 80));
    });
    document.querySelectorAll('.MathJax_Error, [data-mjx-error], merror, .merror').forEach(function (e) {
      result.math_errors.push((e.getAttribute('data-mjx-error') || e.textContent).slice(0, 80));
    });
    // TeX delimiters left in the text mean MathJax never saw the formula.
    // Folded answers and hints count too (their whole text is read, open or closed); code
    // may show delimiters and tags on purpose, so it is left out.
    var copy = document.body.cloneNode(true);
    copy.querySelectorAll('code, pre, tt, kbd, .fragment, script, style').forEach(function (e) { e.remove(); });
    var text = copy.textContent;
    ['\\\\(', '\\\\[', '\\\\f$', '\\\\f[', '$$', '**', '<details>', '</details>'].forEach(function (d) {
      var at = text.indexOf(d);
      if (at >= 0) result.unrendered.push(text.slice(at, at + 60));
    });
    document.querySelectorAll('img').forEach(function (img) {
      if (!img.complete || img.naturalWidth === 0) result.broken_pictures.push(img.getAttribute('src'));
    });
    var pre = document.createElement('pre');
    pre.id = 'site-check-result';
    pre.textContent = JSON.stringify(result);
    document.body.appendChild(pre);
  }
  window.addEventListener('load', function () {
    if (window.MathJax && MathJax.Hub) MathJax.Hub.Queue(report);
    else report();
  });
})();
</script>
"""


class PageParser(html.parser.HTMLParser):
    """Collects a page's link targets, picture sources and the ids it defines."""

    def __init__(self):
        super().__init__()
        self.links, self.pictures, self.ids = [], [], set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("id", "name"):
            if a.get(key):
                self.ids.add(a[key])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "img" and a.get("src"):
            self.pictures.append(a["src"])
        elif tag in ("object",) and a.get("data"):
            self.pictures.append(a["data"])
        elif tag in ("iframe", "embed") and a.get("src"):
            self.pictures.append(a["src"])


def parse(path):
    parser = PageParser()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return parser


def parsed_page(path, cache):
    """parse(path), once per page."""
    if path not in cache:
        cache[path] = parse(path)
    return cache[path]


def is_external(url):
    return urllib.parse.urlparse(url).scheme in ("http", "https", "mailto", "javascript", "data")


def static_problems(page, cache):
    """Broken internal links and missing pictures of one page, from its HTML."""
    problems = []
    parsed = parsed_page(page, cache)
    for src in parsed.pictures:
        scheme = urllib.parse.urlparse(src).scheme
        if scheme in ("javascript", "about", "data"):  # e.g. the search box's empty frame
            continue
        if scheme:
            problems.append(f"picture from outside the site (the site must work offline): {src}")
            continue
        target = (page.parent / urllib.parse.unquote(src.split("#")[0])).resolve()
        if not target.is_file() or target.stat().st_size == 0:
            problems.append(f"missing picture: {src}")
    for href in parsed.links:
        if is_external(href):
            continue
        path_part, _, fragment = href.partition("#")
        target = (page.parent / urllib.parse.unquote(path_part)).resolve() if path_part else page
        if not target.is_file():
            problems.append(f"broken link: {href}")
            continue
        if fragment and target.suffix == ".html":
            if fragment not in parsed_page(target, cache).ids:
                problems.append(f"broken link (no anchor '{fragment}' in {target.name}): {href}")
    return problems


def chromium_run(chromium, args, timeout=120):
    command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               "--allow-file-access-from-files", "--run-all-compositor-stages-before-draw",
               "--virtual-time-budget=20000"] + args
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


def browser_problems(page, chromium):
    """What the probe saw in the rendered page: formulas and pictures that did not render."""
    probe_page = page.with_name(page.stem + ".site-check.html")
    source = page.read_text(encoding="utf-8", errors="replace")
    probe_page.write_text(source.replace("</body>", PROBE + "</body>", 1), encoding="utf-8")
    try:
        run = chromium_run(chromium, ["--dump-dom", probe_page.as_uri()])
    finally:
        probe_page.unlink()
    start = run.stdout.find('id="site-check-result">')
    if start < 0:
        return [f"the browser did not finish the page (exit {run.returncode}): {run.stderr.strip()[-300:]}"], 0
    start = run.stdout.index(">", start) + 1
    end = run.stdout.index("</pre>", start)
    result = json.loads(html.unescape(run.stdout[start:end]))
    problems = [f"not rendered, left as text: {t!r}" for t in result["unrendered"]]
    problems += [f"formula error: {t!r}" for t in result["math_errors"]]
    problems += [f"picture the browser could not show: {s}" for s in result["broken_pictures"]]
    return problems, result["formulas"]


def screenshot(page, chromium, directory):
    png = directory / (page.stem + ".png")
    run = chromium_run(chromium, [f"--screenshot={png}", "--window-size=1280,2400", page.as_uri()])
    if run.returncode != 0 or not png.is_file() or png.stat().st_size == 0:
        return [f"no screenshot (exit {run.returncode}): {run.stderr.strip()[-300:]}"]
    return []


def self_test(chromium):
    """Builds a tiny site with one page of each kind of problem and one clean page, and
    checks that the checker flags exactly the broken ones (so a green run means something)."""
    good_formula = ('<span class="MathJax_SVG">x</span><script type="math/tex">x^2</script>')
    pages = {
        "clean.html": f'<p>{good_formula}<a href="clean.html#top" id="top">up</a><img src="dot.svg"></p>',
        "broken_link.html": '<p><a href="nowhere.html">a page that does not exist</a></p>',
        "broken_anchor.html": '<p><a href="clean.html#no-such-anchor">a missing anchor</a></p>',
        "missing_picture.html": '<p><img src="missing.png"></p>',
        "bad_picture.html": '<p><img src="empty.png"></p>',
        "unrendered_formula.html": '<p>the loss \\(L = -\\log p\\) was never typeset</p>',
    }
    failures = []
    with tempfile.TemporaryDirectory() as folder:
        root = pathlib.Path(folder)
        (root / "dot.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>')
        (root / "empty.png").write_bytes(b"not a png")
        for name, body in pages.items():
            (root / name).write_text(f"<!DOCTYPE html><html><body>{body}</body></html>")
        cache = {}
        for name in pages:
            page = root / name
            problems = static_problems(page, cache) + browser_problems(page, chromium)[0]
            should_fail = name != "clean.html"
            verdict = "flagged" if problems else "passed"
            print(f"self-test {name}: {verdict} {problems}")
            if bool(problems) != should_fail:
                failures.append(name)
    if failures:
        sys.exit(f"check_site: the self-test went wrong for {failures}")
    print("self-test: every broken page was flagged and the clean page passed")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("html_dir", type=pathlib.Path, nargs="?", help="the site, e.g. build/release/docs/html")
    parser.add_argument("--self-test", action="store_true", help="check the checker on pages with known problems")
    parser.add_argument("--screenshots", type=pathlib.Path, help="where the PNGs go")
    parser.add_argument("--chromium", default=None, help="the browser (default: chromium on PATH)")
    args = parser.parse_args()

    chromium = args.chromium or shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        sys.exit("check_site: chromium not found; install it with tools/install_deps.sh --site-check "
                 "(Debian's chromium package)")
    if args.self_test:
        self_test(chromium)
        return
    if args.html_dir is None:
        parser.error("give the site's folder (HTML_DIR) or --self-test")
    html_dir = args.html_dir.resolve()
    if not (html_dir / "index.html").is_file():
        sys.exit(f"check_site: {html_dir}/index.html not found; build the site first (cmake --build --preset docs)")
    shots = (args.screenshots or html_dir.parent / "site-screenshots").resolve()
    shots.mkdir(parents=True, exist_ok=True)

    failed = False
    cache = {}
    for name in PAGE_NAMES:
        page = html_dir / name
        if not page.is_file():
            print(f"FAIL {name}: the page is missing")
            failed = True
            continue
        problems = static_problems(page, cache)
        seen, formulas = browser_problems(page, chromium)
        problems += seen + screenshot(page, chromium, shots)
        pictures = len(cache[page].pictures)
        status = "FAIL" if problems else "ok  "
        print(f"{status} {name}: {len(cache[page].links)} links, {pictures} pictures, {formulas} formulas")
        for problem in problems:
            print(f"       {problem}")
        failed = failed or bool(problems)
    print(f"screenshots in {shots}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    os.environ.setdefault("LANG", "C.UTF-8")
    main()
