#!/usr/bin/env python3
"""Generates exercises/ from solutions/: the exercise switch's single source of truth.

    tools/make_exercises.py            regenerate every exercises/NN_name/ file
    tools/make_exercises.py --check    exit 1 if exercises/ differs from what would be generated
    tools/make_exercises.py --force    regenerate even over a student's code (backed up first)
    tools/make_exercises.py --stats    the tasks and the lines the student writes, per chapter

Without --force, a file in which a student has written code (an EXERCISE region that is
not just its stub) is left alone, with a message: regenerating never loses anyone's work.

In a solution file, each piece the student writes is marked:

        // BEGIN SOLUTION 1.4 variance_along: two passes: the mean, then ...
        ... reference code ...
        // END SOLUTION

The number is the task id (chapter.task, as in the chapter guide's "Task 1.4" section)
and the rest of the line is one sentence saying what to compute. In the exercise file the
region becomes a stub with the same indentation, inside markers the student writes
between (and that `./course reset 1.4` uses to restore the stub):

        // BEGIN EXERCISE 1.4: replace the next line with your code (./course hint 1.4)
        todo("1.4", "variance_along: two passes: the mean, then ...");
        // END EXERCISE 1.4

Everything outside the regions (includes, signatures, helpers, explicit instantiations)
is copied unchanged, so a stub keeps the solution's exact signature. `todo` is
resnet::todo from resnet/exercise.hpp, which throws resnet::NotImplemented.
"""
import argparse
import difflib
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
SOLUTIONS = os.path.join(ROOT, "solutions")
EXERCISES = os.path.join(ROOT, "exercises")
BACKUPS = os.path.join(ROOT, ".course-backups")
SOURCE_SUFFIXES = (".cpp", ".hpp", ".cu", ".cuh")

BEGIN_SOLUTION = re.compile(r"^(?P<indent>\s*)// BEGIN SOLUTION (?P<task>\d+\.\d+) (?P<what>\S.*)$")
END_SOLUTION = re.compile(r"^\s*// END SOLUTION\s*$")
BEGIN_EXERCISE = re.compile(r"^(?P<indent>\s*)// BEGIN EXERCISE (?P<task>\d+\.\d+)\b")
STUB_LINE = re.compile(r'^\s*todo\("(?P<task>\d+\.\d+)", ".*"\);\s*$')
END_EXERCISE = re.compile(r"^\s*// END EXERCISE (?P<task>\d+\.\d+)\s*$")


class MarkerError(Exception):
    """A solution or exercise file whose markers do not pair up."""


@dataclass
class Region:
    """One marked solution region."""
    task: str
    what: str
    path: str   # the solution file, relative to the repository root
    line: int   # 1-based line of the BEGIN SOLUTION marker


def cpp_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def stub_lines(indent, task, what):
    """The lines that replace one solution region."""
    return [
        f"{indent}// BEGIN EXERCISE {task}: replace the next line with your code (./course hint {task})\n",
        f"{indent}todo({cpp_string(task)}, {cpp_string(what)});\n",
        f"{indent}// END EXERCISE {task}\n",
    ]


def banner(solution_rel):
    return [
        f"// EXERCISE FILE, generated from {solution_rel} by tools/make_exercises.py.\n",
        "// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the\n",
        "// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`\n",
        "// restores its stub (your version is kept in a backup).\n",
    ]


def parse_regions(solution_path):
    """Returns (lines, regions with their (start, end) line indexes) of a solution file."""
    rel = os.path.relpath(solution_path, ROOT)
    with open(solution_path) as f:
        lines = f.readlines()
    spans = []
    open_region = None
    for index, line in enumerate(lines):
        begin = BEGIN_SOLUTION.match(line)
        if begin:
            if open_region:
                raise MarkerError(f"{rel}:{index + 1}: BEGIN SOLUTION inside the region opened at line {open_region[1].line}")
            open_region = (index, Region(begin["task"], begin["what"].strip(), rel, index + 1), begin["indent"])
        elif END_SOLUTION.match(line):
            if not open_region:
                raise MarkerError(f"{rel}:{index + 1}: END SOLUTION without BEGIN SOLUTION")
            spans.append((open_region[0], index, open_region[1], open_region[2]))
            open_region = None
        elif "BEGIN SOLUTION" in line or "END SOLUTION" in line:
            raise MarkerError(f"{rel}:{index + 1}: malformed marker (expected '// BEGIN SOLUTION <task> <what to do>' or '// END SOLUTION')")
    if open_region:
        raise MarkerError(f"{rel}:{open_region[1].line}: BEGIN SOLUTION is never closed")
    if spans and not any('#include "resnet/exercise.hpp"' in line for line in lines):
        raise MarkerError(f"{rel}: has solution regions but does not #include \"resnet/exercise.hpp\" (the stubs need todo())")
    return lines, spans


def exercise_text(solution_path):
    """The exercise version of one solution file."""
    lines, spans = parse_regions(solution_path)
    out = banner(os.path.relpath(solution_path, ROOT))
    cursor = 0
    for start, end, region, indent in spans:
        out.extend(lines[cursor:start])
        out.extend(stub_lines(indent, region.task, region.what))
        cursor = end + 1
    out.extend(lines[cursor:])
    return "".join(out)


def solution_files():
    """Every solution source file, as paths relative to solutions/."""
    found = []
    for chapter in sorted(os.listdir(SOLUTIONS)):
        folder = os.path.join(SOLUTIONS, chapter)
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            if name.endswith(SOURCE_SUFFIXES):
                found.append(os.path.join(chapter, name))
    return found


def all_regions():
    """Every solution region of every chapter, in file order."""
    regions = []
    for rel in solution_files():
        _, spans = parse_regions(os.path.join(SOLUTIONS, rel))
        regions.extend(region for _, _, region, _ in spans)
    return regions


def generated_files():
    """{path relative to exercises/: text} for every file exercises/ should hold."""
    return {rel: exercise_text(os.path.join(SOLUTIONS, rel)) for rel in solution_files()}


def existing_exercise_files():
    found = []
    if not os.path.isdir(EXERCISES):
        return found
    for chapter in sorted(os.listdir(EXERCISES)):
        folder = os.path.join(EXERCISES, chapter)
        if os.path.isdir(folder):
            found.extend(os.path.join(chapter, name) for name in sorted(os.listdir(folder))
                         if name.endswith(SOURCE_SUFFIXES))
    return found


def holds_student_code(path):
    """True when an EXERCISE region of the file holds anything but its one-line stub."""
    if not os.path.exists(path):
        return False
    with open(path) as f:
        lines = f.readlines()
    inside = None
    for line in lines:
        if BEGIN_EXERCISE.match(line):
            inside = []
        elif END_EXERCISE.match(line) and inside is not None:
            if len(inside) != 1 or not STUB_LINE.match(inside[0]):
                return True
            inside = None
        elif inside is not None and line.strip():
            inside.append(line)
    return False


def back_up(paths):
    """Copies files into .course-backups/<time>/, keeping their path; returns the folder."""
    folder = os.path.join(BACKUPS, time.strftime("%Y%m%d-%H%M%S"))
    for path in paths:
        target = os.path.join(folder, os.path.relpath(path, ROOT))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(path, target)
    return folder


def write_all(force=False):
    expected = generated_files()
    edited = [os.path.join(EXERCISES, rel) for rel in expected
              if holds_student_code(os.path.join(EXERCISES, rel))]
    if edited and not force:
        names = "\n  ".join(os.path.relpath(p, ROOT) for p in edited)
        raise MarkerError(f"these files hold your code in their EXERCISE regions:\n  {names}\n"
                          "nothing was written; rerun with --force to regenerate them anyway "
                          "(they are backed up to .course-backups/ first)")
    if edited:
        print(f"backed up {len(edited)} files with your code to "
              f"{os.path.relpath(back_up(edited), ROOT)}/")
    for rel, text in expected.items():
        path = os.path.join(EXERCISES, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
    for rel in set(existing_exercise_files()) - set(expected):
        os.remove(os.path.join(EXERCISES, rel))
        print(f"removed exercises/{rel} (no solution file any more)")
    print(f"exercises: wrote {len(expected)} files with {len(all_regions())} stubs")


def check_all():
    expected = generated_files()
    problems = []
    for rel, text in expected.items():
        path = os.path.join(EXERCISES, rel)
        if not os.path.exists(path):
            problems.append(f"exercises/{rel} is missing")
            continue
        with open(path) as f:
            actual = f.read()
        if actual != text:
            diff = difflib.unified_diff(actual.splitlines(True), text.splitlines(True),
                                        f"exercises/{rel} (committed)", f"exercises/{rel} (generated)", n=1)
            problems.append(f"exercises/{rel} differs from its solution:\n" + "".join(list(diff)[:40]))
    for rel in set(existing_exercise_files()) - set(expected):
        problems.append(f"exercises/{rel} has no solution file")
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print("exercises/ is out of sync with solutions/: run tools/make_exercises.py", file=sys.stderr)
        return 1
    print(f"exercises: all {len(expected)} files in sync with solutions/")
    return 0


def reset_task(task):
    """Restores the stubs of `task` in the exercise files; returns the files changed.

    Only the lines between BEGIN EXERCISE <task> and END EXERCISE <task> change; the
    student's work on other tasks stays as it is.
    """
    regions = [r for r in all_regions() if r.task == task]
    if not regions:
        raise MarkerError(f"no task {task} in solutions/ (tasks: {', '.join(sorted({r.task for r in all_regions()}, key=task_key))})")
    changed = []
    for solution_rel in sorted({r.path for r in regions}):
        rel = os.path.relpath(os.path.join(ROOT, solution_rel), SOLUTIONS)
        path = os.path.join(EXERCISES, rel)
        stubs = iter([r for r in regions if r.path == solution_rel])
        with open(path) as f:
            lines = f.readlines()
        out, index, replaced = [], 0, 0
        while index < len(lines):
            begin = BEGIN_EXERCISE.match(lines[index])
            if not begin or begin["task"] != task:
                out.append(lines[index])
                index += 1
                continue
            end = index + 1
            while end < len(lines) and not (END_EXERCISE.match(lines[end]) and END_EXERCISE.match(lines[end])["task"] == task):
                end += 1
            if end == len(lines):
                raise MarkerError(f"exercises/{rel}:{index + 1}: BEGIN EXERCISE {task} has no END EXERCISE {task}; "
                                  f"restore the whole file with: git checkout -- exercises/{rel}")
            region = next(stubs, None)
            if region is None:
                raise MarkerError(f"exercises/{rel} has more task {task} regions than its solution")
            out.extend(stub_lines(begin["indent"], task, region.what))
            replaced += 1
            index = end + 1
        if replaced != len([r for r in regions if r.path == solution_rel]):
            raise MarkerError(f"exercises/{rel}: found {replaced} task {task} regions, the solution has "
                              f"{len([r for r in regions if r.path == solution_rel])}; "
                              f"restore the whole file with: git checkout -- exercises/{rel}")
        new_text = "".join(out)
        if new_text != "".join(lines):
            with open(path, "w") as f:
                f.write(new_text)
            changed.append(path)
    return changed


def code_lines(lines):
    """The lines that hold code: not blank, not only a comment."""
    return [line for line in lines
            if line.strip() and not line.strip().startswith(("//", "/*", "*", "#pragma", "#include"))]


def region_code_lines(solution_path):
    """{task: code lines inside its regions} of one solution file."""
    lines, spans = parse_regions(solution_path)
    counts = {}
    for start, end, region, _ in spans:
        counts[region.task] = counts.get(region.task, 0) + len(code_lines(lines[start + 1:end]))
    return counts


def framework_code_lines():
    """Code lines of the framework the student does not write: lib/src and the given parts of solutions/."""
    total = 0
    for folder in ("lib/src",):
        for directory, _, files in os.walk(os.path.join(ROOT, folder)):
            for name in files:
                if name.endswith(SOURCE_SUFFIXES):
                    with open(os.path.join(directory, name)) as f:
                        total += len(code_lines(f.readlines()))
    for rel in solution_files():
        path = os.path.join(SOLUTIONS, rel)
        with open(path) as f:
            total += len(code_lines(f.readlines())) - sum(region_code_lines(path).values())
    return total


def print_stats():
    """Per chapter: the tasks, and the lines of code the student writes (the reference's count)."""
    chapters = {}
    for rel in solution_files():
        chapter = rel.split(os.sep)[0]
        for task, count in region_code_lines(os.path.join(SOLUTIONS, rel)).items():
            chapters.setdefault(chapter, {}).setdefault(task, 0)
            chapters[chapter][task] += count
    student = 0
    print(f"{'chapter':22} {'tasks':>5} {'student lines':>14}   tasks (lines)")
    for chapter, tasks in chapters.items():
        lines = sum(tasks.values())
        student += lines
        listing = ", ".join(f"{t} ({n})" for t, n in sorted(tasks.items(), key=lambda item: task_key(item[0])))
        print(f"{chapter:22} {len(tasks):>5} {lines:>14}   {listing}")
    given = framework_code_lines()
    print(f"{'all':22} {sum(len(t) for t in chapters.values()):>5} {student:>14}")
    print(f"\nThe student writes {student} of the {student + given} code lines that build and train the network "
          f"({100 * student / (student + given):.0f}%): the regions of solutions/ against those plus lib/src/ and the "
          "given parts of solutions/ (code lines: not blank, not only a comment or an #include).")


def task_key(task):
    chapter, number = task.split(".")
    return int(chapter), int(number)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="verify instead of writing")
    parser.add_argument("--force", action="store_true", help="overwrite files holding student code (after a backup)")
    parser.add_argument("--stats", action="store_true", help="tasks and student lines per chapter")
    args = parser.parse_args()
    try:
        if args.stats:
            return print_stats()
        return check_all() if args.check else write_all(force=args.force)
    except MarkerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main() or 0)
