#!/usr/bin/env python3
"""Renders the guides as a Git forge shows them and checks the result in headless Chromium.

    docs/check_forge.py [--screenshots DIR] [--chromium PATH] [FILE.md ...]
    docs/check_forge.py --self-test     shows that each kind of problem is caught

A forge (GitHub, GitLab, Gitea) shows a README.md by rendering its Markdown with a
CommonMark parser with GitHub's extensions, raw HTML such as <details> allowed, and math
between $...$ or in $$ blocks typeset by MathJax. This script does the same with the
parsers at hand: the math is set aside first (as GitHub does, so that an underscore in a
formula never becomes emphasis), the rest goes through `cmark-gfm` (GitHub's own
CommonMark implementation, Debian's cmark-gfm package), the math comes back for MathJax,
and the page is opened with pictures resolved relative to the Markdown file. The browser
probe of docs/check_site.py then reports formulas that did not render, pictures that did
not load, and Markdown left as text (**, $$, <details>). Every guide, the README and the
tutorial pages are checked when no file is named.

It is an approximation of a forge, not a forge: it proves the files are well-formed
CommonMark whose math and pictures render, which is what goes wrong in practice (Doxygen
syntax, unbalanced dollars, pictures that exist only in a build folder).
"""
import argparse
import html
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import check_site  # noqa: E402  (the browser probe)

MATHJAX = pathlib.Path("/usr/share/javascript/mathjax/MathJax.js")
DISPLAY_MATH = re.compile(r"^\$\$[ \t]*\n(?P<math>.*?)\n\$\$[ \t]*$", re.M | re.S)
INLINE_MATH = re.compile(r"(?<![\\$\w])\$(?=[^\s$])(?P<math>[^$\n]*?[^\s\\$])\$(?![\w$])")
CODE = re.compile(r"^```[^\n]*\n.*?^```[ \t]*$|(`+)[^\n]*?\1|^(?: {4}|\t)[^\n]*$", re.M | re.S)


def guides():
    found = [ROOT / "README.md", ROOT / "docs" / "from_the_tutorial.md", ROOT / "docs" / "architecture.md"]
    found += sorted((ROOT / "docs" / "zh").glob("*.md"))
    found += sorted((ROOT / "chapters").glob("*/README.md"))
    return found


def set_math_aside(markdown):
    """(markdown with each formula replaced by a placeholder, the formulas as MathJax input)."""
    formulas = []

    def keep(match, display):
        formulas.append(("\\[" if display else "\\(") + match["math"] + ("\\]" if display else "\\)"))
        return f"FORMULA{len(formulas) - 1}END"

    pieces, cursor = [], 0
    for code in CODE.finditer(markdown):  # math is never looked for inside code
        text = markdown[cursor:code.start()]
        text = DISPLAY_MATH.sub(lambda m: keep(m, True), text)
        pieces.append(INLINE_MATH.sub(lambda m: keep(m, False), text))
        pieces.append(code.group(0))
        cursor = code.end()
    text = DISPLAY_MATH.sub(lambda m: keep(m, True), markdown[cursor:])
    pieces.append(INLINE_MATH.sub(lambda m: keep(m, False), text))
    return "".join(pieces), formulas


def render(markdown_path):
    """The page a forge would show for one Markdown file, as HTML."""
    protected, formulas = set_math_aside(markdown_path.read_text(encoding="utf-8"))
    body = subprocess.run(["cmark-gfm", "--unsafe", "-e", "table", "-e", "autolink", "-e", "strikethrough"],
                          input=protected, capture_output=True, text=True, check=True).stdout
    body = re.sub(r"FORMULA(\d+)END", lambda m: html.escape(formulas[int(m.group(1))]), body)
    base = markdown_path.parent.as_uri() + "/"
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><base href="{base}">
<script type="text/x-mathjax-config">
MathJax.Hub.Config({{tex2jax: {{inlineMath: [['\\\\(', '\\\\)']], displayMath: [['\\\\[', '\\\\]']],
                   processEscapes: false}}, "SVG": {{font: "TeX"}}}});
</script>
<script src="{MATHJAX.as_uri()}?config=TeX-AMS_SVG"></script>
<style>body {{ max-width: 1000px; margin: 2em auto; font-family: sans-serif; }} img {{ max-width: 100%; }}</style>
</head><body>
{body}
</body></html>"""


def check_file(path, chromium, screenshots=None):
    """The problems of one Markdown file as a forge would show it, and its formula count."""
    with tempfile.TemporaryDirectory() as folder:
        page = pathlib.Path(folder) / (path.stem + ".html")
        page.write_text(render(path), encoding="utf-8")
        problems, formulas = check_site.browser_problems(page, chromium)
        if screenshots:
            screenshots.mkdir(parents=True, exist_ok=True)
            shot = screenshots / (str(path.relative_to(ROOT)).replace(os.sep, "_").replace(".md", ".png"))
            problems += check_site.screenshot(page, chromium, screenshots)
            (screenshots / (path.stem + ".png")).replace(shot)
        return problems, formulas


def self_test(chromium):
    """One clean guide and one for each problem a forge would show; each must be judged right."""
    cases = {
        "clean": "# Clean\n\nInline $x_i^2$ and\n\n$$\ny = \\frac{a_1}{b_2}\n$$\n\n"
                 "![a picture](../../docs/images/residual_block.svg)\n\n"
                 "<details><summary>Hint 1</summary>\n\n**bold** text\n\n</details>\n",
        "doxygen_math": "# Doxygen math\n\nThe loss \\f$ L \\f$ in Doxygen's syntax.\n",
        "missing_picture": "# Missing\n\n![gone](../../docs/images/no_such_picture.svg)\n",
        "unclosed_bold": "# Bold\n\nA **bold that never ends.\n",
        "details_without_blank_line": "# Details\n\n<details><summary>Answer</summary>\n**not rendered**\n</details>\n",
    }
    failures = []
    with tempfile.TemporaryDirectory(dir=ROOT / "chapters") as folder:
        for name, markdown in cases.items():
            path = pathlib.Path(folder) / f"{name}.md"
            path.write_text(markdown, encoding="utf-8")
            problems, _ = check_file(path, chromium)
            print(f"self-test {name}: {'flagged' if problems else 'passed'} {problems}")
            if bool(problems) != (name != "clean"):
                failures.append(name)
    if failures:
        sys.exit(f"check_forge: the self-test went wrong for {failures}")
    print("self-test: every broken guide was flagged and the clean one passed")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", type=pathlib.Path, help="Markdown files (default: every guide)")
    parser.add_argument("--screenshots", type=pathlib.Path, help="where to put a PNG of each page")
    parser.add_argument("--chromium", default=None)
    parser.add_argument("--self-test", action="store_true", help="check the checker on guides with known problems")
    args = parser.parse_args()
    chromium = args.chromium or shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium or not shutil.which("cmark-gfm") or not MATHJAX.is_file():
        sys.exit("check_forge: needs chromium, cmark-gfm and libjs-mathjax (tools/install_deps.sh --site-check)")
    if args.self_test:
        self_test(chromium)
        return
    failed = False
    for path in [p.resolve() for p in (args.files or guides())]:
        problems, formulas = check_file(path, chromium, args.screenshots)
        print(f"{'FAIL' if problems else 'ok  '} {path.relative_to(ROOT)}: {formulas} formulas")
        for problem in problems:
            print(f"       {problem}")
        failed = failed or bool(problems)
    if failed:
        sys.exit("check_forge: some guides would not render on a forge (see above)")
    print("check_forge: every guide renders as a forge shows it: formulas typeset, pictures found")


if __name__ == "__main__":
    main()
