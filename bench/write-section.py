#!/usr/bin/env python3
"""Replaces one script's section of docs/benchmarks.md with standard input, so each benchmark script
refreshes its own results without erasing the others'. Usage: write-section.py FILE NAME < content"""
import os
import sys

path, name = sys.argv[1], sys.argv[2]
begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
block = f"{begin}\n{sys.stdin.read().strip()}\n{end}"
text = open(path).read() if os.path.exists(path) else ""
if not text.strip():
    text = ("# Benchmarks\n\nEach section below is written by the script it names; re-run that script to refresh it.\n"
            "Every ratio compares arms measured side by side in one run on the same machine.\n")
if begin in text and end in text:
    head, rest = text.split(begin, 1)
    text = head + block + rest.split(end, 1)[1]
else:
    text = text.rstrip("\n") + "\n\n" + block + "\n"
os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
with open(path, "w") as f:
    f.write(text)
