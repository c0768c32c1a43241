#!/usr/bin/env python3
"""Every numeric option of every `resnet` command refuses bad numbers, naming the option.

Usage: check_numeric_options.py RESNET_BINARY

The options are read from each command's --help (CLI11 shows FLOAT, INT or UINT after a
numeric option's name), so an option added later is checked too. For each one, the command
is run with NaN, infinities, a negative number, text, and a value beyond the option's range
(read from the same help line); each must fail before any work, with a message that starts
with the option's name. A value inside the range must not be refused for being a number.
"""
import re
import subprocess
import sys

COMMANDS = ["train", "evaluate", "predict", "summary", "compare-devices"]
# "--lr FLOAT:finite, in (0, 10]=0.001" -> name, type, the validator's text
OPTION = re.compile(r"^\s+(--[\w-]+) (FLOAT|INT|UINT)\b:?([^=\n]*)")
RANGE = re.compile(r"in [\[(]([-\d.e+]+), ([-\d.e+]+)\]")


def numeric_options(binary, command):
    help_text = subprocess.run([binary, command, "--help"], capture_output=True, text=True).stdout
    return [match.groups() for line in help_text.splitlines() if (match := OPTION.match(line))]


def refusal(binary, command, option, value):
    """The command's output when it refuses `option value`, or None when it accepted it."""
    # --help after the value: a value that passes the checks prints the help and exits 0,
    # so nothing is trained or read.
    run = subprocess.run([binary, command, f"{option}={value}", "--help"], capture_output=True, text=True,
                         timeout=60)
    return None if run.returncode == 0 else run.stdout + run.stderr


def main():
    binary = sys.argv[1]
    problems, checked = [], 0
    for command in COMMANDS:
        for option, kind, checks in numeric_options(binary, command):
            bound = RANGE.search(checks)
            if not bound:
                problems.append(f"{command} {option} ({kind}) has no range check: '{checks.strip()}'")
                continue
            high = float(bound.group(2))
            bad = ["nan", "NaN", "inf", "-inf", "-1", "abc", "", repr(high * 10 + 1)]
            if kind != "FLOAT":
                bad += ["1e3", "0x10", "2.5"]
            for value in bad:
                output = refusal(binary, command, option, value)
                checked += 1
                if output is None:
                    problems.append(f"{command} {option}={value!r} was accepted")
                elif option + ":" not in output:
                    problems.append(f"{command} {option}={value!r} was refused without naming the option:\n{output}")
            low = float(bound.group(1))
            inside = (low + high) / 2 if kind == "FLOAT" else int(low)
            output = refusal(binary, command, option, inside if kind == "FLOAT" else str(int(low)))
            if output is not None:
                problems.append(f"{command} {option}={inside} (inside its range) was refused:\n{output}")
    for problem in problems:
        print("FAIL:", problem)
    print(f"numeric options: {checked} bad values given, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
