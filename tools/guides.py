#!/usr/bin/env python3
"""The chapter guides as data: task sections, graded hints, check-yourself questions, and a lint.

    tools/guides.py --check       exit 1 when a guide breaks the conventions below
    tools/guides.py --hints TASK  print every hint of a task as ./course prints them

./course reads the guides through this module; CI runs --check. The conventions (CONTRIBUTING.md,
"Writing a chapter guide") in short:

  - Markdown as a Git forge renders it: math as $...$ and in $$ blocks (docs/md_to_doxygen.py
    rewrites it for Doxygen), pictures as ![caption](path) to committed files, no Doxygen
    commands (\\f$, \\image, \\dotfile, {#label}).
  - Every `## Task N.M: title` section has graded hints, each folded away:

        <details><summary>Hint 1</summary>

        The idea, in words.

        </details>

    Hint 1 points at the idea, the last one is near code; at least two per task.
  - A derivation that is the exercise is asked first; its result follows, folded, in
    <details><summary>Derive it, then open this to check</summary> ... </details>.
  - `<details>` and `</details>` stand at the start of a line of their own, with a blank line
    after the summary line and before the closing tag, so that Markdown inside renders.
  - A `**Time:**` paragraph near the top (the estimated time and what the demo shows), a
    `## The demo` section, and a `## Check yourself` section of two to four questions, each
    a bold question followed by <details><summary>Answer</summary> ... </details>.
"""
import argparse
import os
import re
import sys
import textwrap

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
with open(os.path.join(ROOT, "chapters", "chapters.txt")) as _list:
    CHAPTERS = [line.strip() for line in _list if re.match(r"^\d\d_", line)]

TASK_HEADING = re.compile(r"^## Task (?P<task>\d+\.\d+): (?P<title>.+?)\s*$", re.M)
SECTION_HEADING = re.compile(r"^#{1,2} ", re.M)
FOLDED = re.compile(r"^<details><summary>(?P<summary>.*?)</summary>\s*\n(?P<body>.*?)^</details>\s*$", re.M | re.S)
HINT_SUMMARY = re.compile(r"^Hint (?P<level>\d+)$")
DOXYGEN_COMMANDS = re.compile(r"\\f[$\[\]]|^\\image\b|^\\dotfile\b|\{#[\w-]+\}|[\\@]ref\b", re.M)


def guide_path(chapter):
    return os.path.join(ROOT, "chapters", chapter, "README.md")


def read_guide(chapter):
    with open(guide_path(chapter), encoding="utf-8") as f:
        return f.read()


def chapter_of_task(task):
    number = int(task.split(".")[0])
    for chapter in CHAPTERS:
        if int(chapter[:2]) == number:
            return chapter
    return None


def sections(text):
    """[(heading line, body)] of every level-1 and level-2 section."""
    starts = [m.start() for m in SECTION_HEADING.finditer(text)] + [len(text)]
    result = []
    for begin, end in zip(starts, starts[1:]):
        heading, _, body = text[begin:end].partition("\n")
        result.append((heading.strip(), body))
    return result


def task_section(task):
    """(title, body) of the '## Task N.M: title' section, or (None, '') when there is none."""
    chapter = chapter_of_task(task)
    if chapter is None or not os.path.exists(guide_path(chapter)):
        return None, ""
    for heading, body in sections(read_guide(chapter)):
        match = TASK_HEADING.match(heading)
        if match and match["task"] == task:
            return match["title"], body
    return None, ""


def folded_blocks(body):
    """[(summary, body)] of the <details> blocks of a section, in order."""
    return [(m["summary"].strip(), m["body"].strip()) for m in FOLDED.finditer(body)]


def hints(task):
    """The hints of a task, in order: ["hint 1 text", "hint 2 text", ...] (Markdown)."""
    _, body = task_section(task)
    found = []
    for summary, text in folded_blocks(body):
        match = HINT_SUMMARY.match(summary)
        if match:
            found.append((int(match["level"]), text))
    return [text for _, text in sorted(found)]


# ------------------------------------------------------------------ Markdown to terminal text

GREEK = {name: char for name, char in zip(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta iota kappa lambda mu nu xi pi rho sigma tau "
    "phi varphi chi psi omega Gamma Delta Theta Lambda Sigma Phi Psi Omega".split(),
    "αβγδεεζηθικλμνξπρστφφχψωΓΔΘΛΣΦΨΩ")}
SYMBOLS = {
    "cdot": "·", "times": "×", "sum": "Σ", "prod": "Π", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥",
    "ne": "≠", "neq": "≠", "approx": "≈", "in": "∈", "leftarrow": "←", "rightarrow": "→", "to": "→",
    "odot": "⊙", "partial": "∂", "nabla": "∇", "infty": "∞", "pm": "±", "ldots": "...", "dots": "...",
    "cdots": "...", "lfloor": "⌊", "rfloor": "⌋", "lceil": "⌈", "rceil": "⌉", "top": "ᵀ", "mid": "|",
    "lVert": "‖", "rVert": "‖", "log": "log", "exp": "exp", "max": "max", "min": "min", "sqrt": "sqrt",
    "cos": "cos", "sin": "sin", "quad": "  ", "qquad": "   ", "left": "", "right": "", "big": "", "Big": "",
}
ACCENTS = {"hat": "\u0302", "bar": "\u0304", "tilde": "\u0303", "dot": "\u0307"}


def _group(text, start):
    """(content, end) of the {...} group or single token at text[start]."""
    while start < len(text) and text[start] == " ":
        start += 1
    if start < len(text) and text[start] == "{":
        depth = 0
        for index in range(start, len(text)):
            depth += {"{": 1, "}": -1}.get(text[index], 0)
            if depth == 0:
                return text[start + 1:index], index + 1
        return text[start + 1:], len(text)
    if start < len(text) and text[start] == "\\":
        match = re.match(r"\\[A-Za-z]+", text[start:])
        if match:
            return match.group(0), start + len(match.group(0))
    return text[start:start + 1], start + 1


def latex_to_text(latex):
    """A formula as readable plain text: \\hat{v} -> v̂, \\frac{a}{b} -> (a)/(b), \\sigma -> σ."""
    out, index = [], 0
    while index < len(latex):
        char = latex[index]
        if char == "\\":
            match = re.match(r"\\([A-Za-z]+|.)", latex[index:])
            name = match.group(1)
            index += len(match.group(0))
            if name in ("frac", "tfrac", "dfrac"):
                top, index = _group(latex, index)
                bottom, index = _group(latex, index)
                top, bottom = latex_to_text(top), latex_to_text(bottom)
                wrap = (lambda s: s if re.fullmatch(r"[\w.·^\u0300-\u036f]+", s) else f"({s})")
                out.append(f"{wrap(top)}/{wrap(bottom)}")
            elif name == "sqrt":
                inner, index = _group(latex, index)
                out.append(f"sqrt({latex_to_text(inner)})")
            elif name in ACCENTS:
                inner, index = _group(latex, index)
                inner = latex_to_text(inner)
                out.append(inner + ACCENTS[name] if len(inner) == 1 else f"{name}({inner})")
            elif name in ("text", "operatorname", "mathrm", "mathbf", "mathit", "textrm", "boldsymbol"):
                inner, index = _group(latex, index)
                out.append(latex_to_text(inner) if name != "text" else inner.replace("\\_", "_"))
            elif name in GREEK:
                out.append(GREEK[name])
            elif name in SYMBOLS:
                out.append(SYMBOLS[name])
            elif name in (",", ";", ":", "!", " "):
                out.append(" " if name != "!" else "")
            elif name in ("{", "}", "_", "%", "$", "#", "&", "|"):
                out.append({"|": "‖"}.get(name, name))
            else:
                out.append(name)
        elif char in "^_":
            inner, index = _group(latex, index + 1)
            inner = latex_to_text(inner)
            out.append(char + (inner if len(inner) == 1 or re.fullmatch(r"\w+", inner) else f"({inner})"))
        elif char in "{}":
            index += 1
        else:
            out.append(char)
            index += 1
    return re.sub(r"  +", " ", "".join(out)).strip()


INLINE_MATH = re.compile(r"(?<![\\$\w])\$(?=[^\s$])(?P<math>[^$]*?[^\s\\$])\$(?![\w$])")


def plain_text(markdown, width=88):
    """Markdown of a hint or answer as terminal text: math in words, paragraphs wrapped."""
    text = re.sub(r"^\$\$\s*\n(.*?)\n\$\$\s*$", lambda m: "    " + latex_to_text(m.group(1).replace("\n", " ")),
                  markdown, flags=re.M | re.S)
    text = INLINE_MATH.sub(lambda m: latex_to_text(m["math"]), text)
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", text)
    text = re.sub(r"(?<!\w)\*(\S.*?)\*(?!\w)", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text)
    paragraphs = re.split(r"\n\s*\n", text.strip())
    out = []
    for paragraph in paragraphs:
        lines = paragraph.split("\n")
        if all(line.startswith("    ") or line.startswith("```") for line in lines if line.strip()):
            out.append("\n".join(line for line in lines if not line.startswith("```")))
        elif re.match(r"^\s*([-*]|\d+\.) ", lines[0]):
            items = re.split(r"\n(?=\s*(?:[-*]|\d+\.) )", paragraph)
            out.append("\n".join(textwrap.fill(" ".join(item.split()), width=width, subsequent_indent="  ")
                                 for item in items))
        else:
            out.append(textwrap.fill(" ".join(paragraph.split()), width=width))
    return "\n\n".join(out)


# ------------------------------------------------------------------ the lint

def task_ids_in_solutions():
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import make_exercises  # noqa: E402
    return sorted({r.task for r in make_exercises.all_regions()}, key=lambda t: tuple(map(int, t.split("."))))


def lint_markdown(name, text):
    """Forge-rendering problems of one Markdown file."""
    problems = []
    for match in DOXYGEN_COMMANDS.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        problems.append(f"{name}:{line}: Doxygen syntax '{match.group(0)}' (a forge shows it as text; "
                        "write $...$ math, ![caption](path) pictures and plain headings)")
    lines = text.split("\n")
    in_fence = False
    open_details = 0
    display_math_open = None
    for number, line in enumerate(lines, 1):
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        if line.strip() == "$$":
            display_math_open = None if display_math_open else number
            continue
        line = re.sub(r"(`+).*?\1", "", line)  # code spans show tags, they are not tags
        if "<details>" in line:
            if not line.startswith("<details><summary>") or not line.rstrip().endswith("</summary>"):
                problems.append(f"{name}:{number}: write '<details><summary>...</summary>' alone on a line, "
                                "at the start")
            elif number < len(lines) and lines[number].strip():
                problems.append(f"{name}:{number}: leave a blank line after the <summary> line "
                                "(else a forge shows the Markdown inside as text)")
            open_details += 1
        if "</details>" in line:
            if line.strip() != "</details>":
                problems.append(f"{name}:{number}: write '</details>' alone on its line")
            elif number >= 2 and lines[number - 2].strip():
                problems.append(f"{name}:{number}: leave a blank line before </details>")
            open_details -= 1
            if open_details < 0:
                problems.append(f"{name}:{number}: </details> without <details>")
                open_details = 0
        if re.search(r"\*\*[^*]*\$[^*]*\*\*", line):
            problems.append(f"{name}:{number}: math inside **bold** (Doxygen then shows the asterisks); "
                            "write the symbol in plain text or move the math out of the bold")
        if not line.startswith("    ") and "$" in line:
            outside_code = re.sub(r"(`+).*?\1", "", line)
            remainder = INLINE_MATH.sub("", outside_code)
            if remainder.count("$") % 2 == 1 and not display_math_open:
                problems.append(f"{name}:{number}: a lone '$' (inline math is $x$, with no space inside "
                                "the dollars)")
    if open_details:
        problems.append(f"{name}: {open_details} <details> never closed")
    if display_math_open:
        problems.append(f"{name}:{display_math_open}: a $$ block is never closed")
    for match in re.finditer(r"!\[[^\]]*\]\((?P<path>[^)\s]+)\)", text):
        if "://" in match["path"]:
            continue
        target = os.path.normpath(os.path.join(ROOT, os.path.dirname(name), match["path"]))
        if not os.path.isfile(target):
            problems.append(f"{name}: shows {match['path']}, which is not in the repository")
    for match in re.finditer(r"(?<!!)\[[^\]]*\]\((?P<path>[^)\s#]+)(#[^)]*)?\)", text):
        if "://" in match["path"] or match["path"].startswith("mailto:"):
            continue
        target = os.path.normpath(os.path.join(ROOT, os.path.dirname(name), match["path"]))
        if not os.path.exists(target):
            problems.append(f"{name}: links to {match['path']}, which is not in the repository")
    return problems


def lint_chapter(chapter, tasks):
    name = os.path.relpath(guide_path(chapter), ROOT)
    text = read_guide(chapter)
    problems = lint_markdown(name, text)
    headings = [heading for heading, _ in sections(text)]
    if not re.search(r"^\*\*Time:\*\*", text, re.M):
        problems.append(f"{name}: no '**Time:**' paragraph (the estimated time and what the demo shows)")
    if "## The demo" not in headings:
        problems.append(f"{name}: no '## The demo' section")
    check_yourself = [body for heading, body in sections(text) if heading == "## Check yourself"]
    if not check_yourself:
        problems.append(f"{name}: no '## Check yourself' section")
    else:
        answers = [s for s, _ in folded_blocks(check_yourself[0]) if s == "Answer"]
        if not 2 <= len(answers) <= 4:
            problems.append(f"{name}: 'Check yourself' has {len(answers)} folded answers (two to four)")
    for task in tasks:
        title, _ = task_section(task)
        if title is None:
            problems.append(f"{name}: no '## Task {task}: title' section")
            continue
        levels = hints(task)
        if len(levels) < 2:
            problems.append(f"{name}: task {task} has {len(levels)} hint(s); give at least two levels "
                            "('<details><summary>Hint 1</summary>', 'Hint 2', ...)")
        for level, hint in enumerate(levels, 1):
            shown = plain_text(hint)
            if "\\" in shown or "$" in shown:
                problems.append(f"{name}: task {task}, hint {level} prints TeX in a terminal: {shown[:80]!r}")
    return problems


def check():
    tasks = task_ids_in_solutions()
    problems = []
    for chapter in CHAPTERS:
        if os.path.exists(guide_path(chapter)):
            problems += lint_chapter(chapter, [t for t in tasks if chapter_of_task(t) == chapter])
    for extra in ["README.md", "CONTRIBUTING.md", "docs/from_the_tutorial.md", "docs/architecture.md"] + sorted(
            os.path.join("docs", "zh", name) for name in (os.listdir(os.path.join(ROOT, "docs", "zh"))
                                                         if os.path.isdir(os.path.join(ROOT, "docs", "zh")) else [])
            if name.endswith(".md")):
        with open(os.path.join(ROOT, extra), encoding="utf-8") as f:
            problems += lint_markdown(extra, f.read())
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"guides: {len(problems)} problems (conventions: tools/guides.py --help)", file=sys.stderr)
        return 1
    print(f"guides: {len(CHAPTERS)} chapter guides follow the conventions; {len(tasks)} tasks, each with graded hints")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="lint every guide")
    parser.add_argument("--hints", metavar="TASK", help="print a task's hints as the terminal shows them")
    args = parser.parse_args()
    if args.hints:
        for level, hint in enumerate(hints(args.hints), 1):
            print(f"Hint {level}:\n{plain_text(hint)}\n")
        return 0
    return check()


if __name__ == "__main__":
    sys.exit(main())
