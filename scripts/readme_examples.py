#!/usr/bin/env python3
"""Keeps README.md true: re-runs every `$ huimin …` example and checks (or rewrites) its output.

Usage: scripts/readme_examples.py [--write] [--binary PATH]
A block whose command line carries a `#` comment is an illustration and is left alone; a block
whose output ends with a line `…` is compared on the lines before it.
"""
import subprocess
import sys

def main():
    write = "--write" in sys.argv
    binary = ".build/debug/huimin"
    if "--binary" in sys.argv:
        binary = sys.argv[sys.argv.index("--binary") + 1]
    lines = open("README.md", encoding="utf-8").read().split("\n")
    out, i, stale = [], 0, []
    while i < len(lines):
        line = lines[i]
        out.append(line)
        if line == "```" and i + 1 < len(lines) and lines[i + 1].startswith("$ huimin ") and "#" not in lines[i + 1]:
            command = lines[i + 1]
            j = i + 2
            while lines[j] != "```":
                j += 1
            old = lines[i + 2:j]
            args = command[len("$ huimin "):].split()
            result = subprocess.run([binary] + args, capture_output=True, text=True)
            new = result.stdout.rstrip("\n").split("\n")
            truncated = bool(old) and old[-1].strip() == "…"
            if truncated:
                new = new[: len(old) - 1] + [old[-1]]
            if new != old:
                stale.append(command)
            out.append(command)
            out.extend(new if write else old)
            i = j
            continue
        i += 1
    if write:
        open("README.md", "w", encoding="utf-8").write("\n".join(out))
        print(f"README.md: {len(stale)} example(s) rewritten")
    elif stale:
        print("README.md examples differ from what huimin prints now (run scripts/readme_examples.py --write):")
        for c in stale:
            print("  " + c)
        sys.exit(1)
    else:
        print("README.md examples match")

main()
