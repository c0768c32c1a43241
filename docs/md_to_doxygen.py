#!/usr/bin/env python3
"""Doxygen's input filter for the guides: Markdown as a Git forge shows it -> Doxygen's Markdown.

The chapter guides, the README and the pages in docs/ are written once, in the Markdown a
Git forge renders (GitHub, GitLab, Gitea): math between `$...$` and in `$$` blocks, pictures
as `![caption](path)` to files committed in the repository, answers folded away in
`<details>`. Doxygen 1.9 reads none of these as intended, so docs/Doxyfile.in runs every
Markdown file through this filter (FILTER_PATTERNS), which rewrites, line for line (so
Doxygen's warnings still name the right line):

    $x^2$                          ->  \\f$x^2\\f$
    $$ (a line of its own)         ->  \\f[   ... up to the next $$ line ->  \\f]
    <details><summary>S</summary>  ->  \\htmlonly[block]<details><summary>S</summary>\\endhtmlonly
    </details>                     ->  \\htmlonly[block]</details>\\endhtmlonly
    ![caption](../../docs/images/x.svg)  ->  ![caption](x.svg)   (found in IMAGE_PATH)
    # Chapter 7: ...               ->  # Chapter 7: ... {#chapter07}   (a page label)
    ## Task 7.4: ...               ->  ## Task 7.4: ... {#task-7-4}    (a section label)

Code (fenced blocks, indented blocks, `code spans`) is left alone.

    docs/md_to_doxygen.py FILE     writes the filtered FILE to standard output
"""
import os
import re
import sys

INLINE_MATH = re.compile(r"(?<![\\$\w])\$(?=[^\s$])(?P<math>[^$]*?[^\s\\$])\$(?![\w$])")
CODE_SPAN = re.compile(r"(`+)(?:.*?)\1")
IMAGE = re.compile(r"!\[(?P<caption>[^\]]*)\]\((?P<path>[^)\s]+)\)")
LINK = re.compile(r"(?<!!)\[(?P<text>[^\]]+)\]\((?P<path>[^)\s#]+)(?P<fragment>#[^)\s]*)?\)")
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
# The Markdown files that are pages of the site (docs/Doxyfile.in's INPUT).
PAGE = re.compile(r"^(README\.md|docs/[^/]+\.md|docs/zh/[^/]+\.md|chapters/[^/]+/README\.md)$")
DETAILS_OPEN = re.compile(r"^\s*<details>\s*(?P<summary><summary>.*</summary>)?\s*$")
DETAILS_CLOSE = re.compile(r"^\s*</details>\s*$")
TASK_HEADING = re.compile(r"^(?P<hashes>#+) Task (?P<chapter>\d+)\.(?P<task>\d+):(?P<rest>.*?)\s*$")
CHAPTER_FOLDER = re.compile(r"(?:^|/)(?P<number>\d\d)_[a-z0-9_]+/README\.md$")


def page_label(path):
    """The label of a page's first heading: chapterNN for a chapter guide, else from the file name."""
    normalized = path.replace(os.sep, "/")
    chapter = CHAPTER_FOLDER.search(normalized)
    if chapter:
        return f"chapter{chapter['number']}"
    if os.path.basename(normalized) == "README.md":
        return None  # the main page: Doxygen names it itself
    stem = os.path.splitext(os.path.basename(normalized))[0]
    folder = os.path.basename(os.path.dirname(normalized))
    return stem if folder in ("docs", "") else f"{folder}_{stem}"


def convert_inline(text):
    """Inline math outside code spans: $...$ -> \\f$...\\f$."""
    out, cursor = [], 0
    for span in CODE_SPAN.finditer(text):
        out.append(INLINE_MATH.sub(lambda m: f"\\f${m['math']}\\f$", text[cursor:span.start()]))
        out.append(span.group(0))
        cursor = span.end()
    out.append(INLINE_MATH.sub(lambda m: f"\\f${m['math']}\\f$", text[cursor:]))
    return "".join(out)


def convert_images(text):
    """Pictures are found by file name in Doxygen's IMAGE_PATH; the forge reads the path."""
    return IMAGE.sub(lambda m: f"![{m['caption']}]({os.path.basename(m['path'])})", text)


def convert_links(text, path):
    """A link to a repository file that is not a page of the site becomes its path, as code."""
    def replace(match):
        target = match["path"]
        if "://" in target or target.startswith("mailto:"):
            return match.group(0)
        relative = os.path.relpath(os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(path)), target)), ROOT)
        if PAGE.match(relative.replace(os.sep, "/")):
            return match.group(0)
        if match["text"].strip("`") in (relative, target, os.path.basename(relative)):
            return f"`{relative}`"
        return f"{match['text']} (`{relative}`)"
    out, cursor = [], 0
    for span in CODE_SPAN.finditer(text):
        out.append(LINK.sub(replace, text[cursor:span.start()]))
        out.append(span.group(0))
        cursor = span.end()
    out.append(LINK.sub(replace, text[cursor:]))
    return "".join(out)


def convert_bold(text, bold_open):
    """**...** outside code spans -> <b>...</b>; returns (text, whether a bold is still open)."""
    out, cursor = [], 0

    def replace(part):
        nonlocal bold_open
        pieces = part.split("**")
        result = pieces[0]
        for piece in pieces[1:]:
            result += ("</b>" if bold_open else "<b>") + piece
            bold_open = not bold_open
        return result

    for span in CODE_SPAN.finditer(text):
        out.append(replace(text[cursor:span.start()]))
        out.append(span.group(0))
        cursor = span.end()
    out.append(replace(text[cursor:]))
    return "".join(out), bold_open


def filter_lines(lines, path):
    out = []
    label = page_label(path)
    seen_title = False
    in_fence = in_display_math = False
    previous_blank = True
    in_indented_code = False
    bold_open = False
    for line in lines:
        stripped = line.rstrip("\n")
        if in_fence:
            out.append(stripped)
            if stripped.lstrip().startswith("```"):
                in_fence = False
            continue
        if stripped.lstrip().startswith("```"):
            in_fence = True
            out.append(stripped)
            continue
        if stripped.strip() == "$$":
            out.append("\\f]" if in_display_math else "\\f[")
            in_display_math = not in_display_math
            previous_blank = False
            continue
        if in_display_math:
            out.append(stripped)
            continue
        blank = not stripped.strip()
        if stripped.startswith("    ") and (previous_blank or in_indented_code) and not blank:
            in_indented_code = True
            out.append(stripped)
            continue
        if not blank:
            in_indented_code = False
        else:
            bold_open = False  # a bold never outlives its paragraph
        previous_blank = blank
        details = DETAILS_OPEN.match(stripped)
        if details:
            out.append(f"\\htmlonly[block]<details>{details['summary'] or ''}\\endhtmlonly")
            continue
        if DETAILS_CLOSE.match(stripped):
            out.append("\\htmlonly[block]</details>\\endhtmlonly")
            continue
        if stripped.startswith("# ") and not seen_title:
            seen_title = True
            if label and "{#" not in stripped:
                stripped += f" {{#{label}}}"
        task = TASK_HEADING.match(stripped)
        if task and "{#" not in stripped:
            stripped += f" {{#task-{task['chapter']}-{task['task']}}}"
        converted, bold_open = convert_bold(convert_links(convert_images(convert_inline(stripped)), path), bold_open)
        out.append(converted)
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        sys.stdout.write(filter_lines(f.readlines(), sys.argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
