#!/usr/bin/env python3
"""The pictures the guides show, committed in docs/images/ so that a Git forge shows them too.

    tools/make_doc_pictures.py                      remake them all (the demos from build/release)
    tools/make_doc_pictures.py --build-dir DIR      take the chapter demos from DIR/bin
    tools/make_doc_pictures.py --check              exit 1 if a guide shows a picture that is not
                                                    committed, or a diagram or copy is out of date

Three kinds of picture:
  - diagrams: docs/diagrams/NAME.dot drawn by Graphviz into docs/images/NAME.svg;
  - measured runs: training curves copied from bench/results/ under a name of their own;
  - demo pictures: what the chapter demos draw from the committed CIFAR-10 sample.

The docs build (docs/CMakeLists.txt) runs the demos again, so the site shows what the code
draws now; the committed copies are what the forge shows. --check does not rerun the demos
(their pictures depend on the machine's floating-point rounding), only checks they exist.
"""
import argparse
import filecmp
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
IMAGES = os.path.join(ROOT, "docs", "images")
DIAGRAMS = os.path.join(ROOT, "docs", "diagrams")
SAMPLE = os.path.join(ROOT, "data", "cifar10-sample")

# Committed measurements shown under another name: {picture: source in bench/results}.
COPIES = {
    "tutorial_accuracy.svg": "bench/results/training/tutorial-seed0/accuracy.svg",
    "better_recipe_accuracy.svg": "bench/results/training/resnet20-onecycle-seed0/accuracy.svg",
    "cpu_roofline.svg": "bench/results/cpu_roofline.svg",
}

# The chapter demos and the pictures each writes (docs/CMakeLists.txt runs the same commands).
DEMOS = [
    ("ch01_tensors", ["--sizes", "64"], ["cifar10_grid.png"]),
    ("ch02_convolution", ["--batch", "1"], ["conv_filters.png"]),
    ("ch03_batchnorm", ["--images", "64"], ["activation_std.svg", "activation_mean.svg"]),
    ("ch04_residual_blocks", ["--batch", "32"], ["gradient_flow.svg"]),
    ("ch07_training", [], ["schedules.svg", "optimizers.svg"]),
]

GUIDES = ["README.md", "docs/from_the_tutorial.md", "docs/architecture.md"] + sorted(
    os.path.join("chapters", name, "README.md") for name in os.listdir(os.path.join(ROOT, "chapters"))
    if os.path.isfile(os.path.join(ROOT, "chapters", name, "README.md")))
IMAGE_LINK = re.compile(r"!\[[^\]]*\]\((?P<path>[^)\s]+)\)")


def draw_diagrams(folder):
    for name in sorted(os.listdir(DIAGRAMS)):
        if name.endswith(".dot"):
            target = os.path.join(folder, name[:-4] + ".svg")
            subprocess.run(["dot", "-Tsvg", os.path.join(DIAGRAMS, name), "-o", target], check=True)


def run_demos(build_dir):
    for program, arguments, pictures in DEMOS:
        path = os.path.join(build_dir, "bin", program)
        if not os.path.exists(path):
            raise SystemExit(f"make_doc_pictures: {path} is missing; build it first "
                             f"(cmake --build --preset release --target {program})")
        with tempfile.TemporaryDirectory() as out:
            subprocess.run([path, "--data", SAMPLE, "--out", out, *arguments], check=True,
                           stdout=subprocess.DEVNULL)
            for picture in pictures:
                shutil.copyfile(os.path.join(out, picture), os.path.join(IMAGES, picture))


def referenced_pictures():
    """{guide: [paths of the pictures it shows, relative to the repository]}."""
    found = {}
    for guide in GUIDES:
        with open(os.path.join(ROOT, guide), encoding="utf-8") as f:
            text = f.read()
        folder = os.path.dirname(guide)
        found[guide] = [os.path.normpath(os.path.join(folder, m["path"])) for m in IMAGE_LINK.finditer(text)
                        if "://" not in m["path"]]
    return found


def check():
    problems = []
    for guide, pictures in referenced_pictures().items():
        for picture in pictures:
            if not os.path.isfile(os.path.join(ROOT, picture)):
                problems.append(f"{guide} shows {picture}, which is not in the repository")
    with tempfile.TemporaryDirectory() as folder:
        draw_diagrams(folder)
        for name in sorted(os.listdir(folder)):
            committed = os.path.join(IMAGES, name)
            if not os.path.exists(committed) or not filecmp.cmp(committed, os.path.join(folder, name), shallow=False):
                problems.append(f"docs/images/{name} is not what docs/diagrams/{name[:-4]}.dot draws")
    for picture, source in COPIES.items():
        committed = os.path.join(IMAGES, picture)
        if not os.path.exists(committed) or not filecmp.cmp(committed, os.path.join(ROOT, source), shallow=False):
            problems.append(f"docs/images/{picture} differs from {source}")
    for _, _, pictures in DEMOS:
        for picture in pictures:
            if not os.path.exists(os.path.join(IMAGES, picture)):
                problems.append(f"docs/images/{picture} (a demo's picture) is missing")
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print("run tools/make_doc_pictures.py to remake the pictures", file=sys.stderr)
        return 1
    print(f"doc pictures: every picture the {len(GUIDES)} guides show is committed and current")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="verify instead of writing")
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build", "release"))
    parser.add_argument("--no-demos", action="store_true", help="only the diagrams and the copies")
    args = parser.parse_args()
    if args.check:
        return check()
    os.makedirs(IMAGES, exist_ok=True)
    draw_diagrams(IMAGES)
    for picture, source in COPIES.items():
        shutil.copyfile(os.path.join(ROOT, source), os.path.join(IMAGES, picture))
    if not args.no_demos:
        run_demos(args.build_dir)
    print(f"doc pictures written to {os.path.relpath(IMAGES, ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
