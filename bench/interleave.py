#!/usr/bin/env python3
"""Times commands side by side, interleaved: run i of every command before run i+1 of any, in an order that
alternates, so load that comes and goes on a shared machine falls on all arms alike (hyperfine runs each
command's runs in one block, and a block that met a busy minute moved a 30 ms difference by 20 ms).
Writes hyperfine-shaped JSON (results[].command/mean/median/min/max/stddev, in seconds) and a markdown table.
Usage: interleave.py RUNS WARMUP JSON MARKDOWN NAME COMMAND [NAME COMMAND ...]"""
import json
import statistics
import subprocess
import sys
import time

runs, warmup, json_path, markdown_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
arms = list(zip(sys.argv[5::2], sys.argv[6::2]))


def run(command):
    started = time.perf_counter()
    subprocess.run(command, shell=True, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


for _ in range(warmup):
    for _, command in arms:
        run(command)
times = {name: [] for name, _ in arms}
for i in range(runs):
    for name, command in (arms if i % 2 == 0 else arms[::-1]):
        times[name].append(run(command))

results = [{"command": name, "mean": statistics.mean(t), "median": statistics.median(t), "min": min(t), "max": max(t),
            "stddev": statistics.stdev(t) if len(t) > 1 else 0.0, "times": t} for name, t in times.items()]
with open(json_path, "w") as f:
    json.dump({"results": results}, f)
fastest = min(r["median"] for r in results)
with open(markdown_path, "w") as f:
    f.write("| Command | Median [ms] | Mean [ms] | Min [ms] | Max [ms] | Relative (median) |\n")
    f.write("|:---|---:|---:|---:|---:|---:|\n")
    for r in results:
        f.write(f"| `{r['command']}` | {r['median'] * 1000:.1f} | {r['mean'] * 1000:.1f} ± {r['stddev'] * 1000:.1f} | "
                f"{r['min'] * 1000:.1f} | {r['max'] * 1000:.1f} | {r['median'] / fastest:.2f} |\n")
