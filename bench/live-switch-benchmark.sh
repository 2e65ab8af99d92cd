#!/usr/bin/env bash
# Measures the live switch: an app running on AddBranchTasks() (bench/LiveSwitchBench), `git checkout` of an
# existing branch → the new IOptionsMonitor value seen by the app. Switches RUNS times between two branches whose
# database branches already exist, and writes median and p90 to its section of docs/benchmarks.md.
#
#   bench/live-switch-benchmark.sh              # RUNS=40 WARMUP=3
#   RUNS=100 WRITE_DOCS=0 bench/live-switch-benchmark.sh
#
# Everything runs in a private BRANCHTASKS_HOME and a throw-away repository that are removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
RUNS=${RUNS:-40}
WARMUP=${WARMUP:-3}
WRITE_DOCS=${WRITE_DOCS:-1}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
for tool in dotnet python3 git; do
  command -v "$tool" >/dev/null || { echo "live-switch-benchmark: '$tool' is required" >&2; exit 1; }
done

work=$(mktemp -d /tmp/bt-switch-XXXXXX)
export BRANCHTASKS_HOME="$work/home"
bt() { (cd "$work/repo" && dotnet "$work/tool/branchtasks.dll" "$@"); }
cleanup() {
  if [ -f "$work/tool/branchtasks.dll" ] && [ -d "$work/repo" ]; then
    bt down --all >/dev/null 2>&1 || true
    bt server stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "Building the tool and bench/LiveSwitchBench..."
dotnet publish src/BranchTasks.Tool -c Release -o "$work/tool" -nologo -v:q >/dev/null
dotnet publish bench/LiveSwitchBench -c Release -o "$work/bench" -nologo -v:q >/dev/null

mkdir -p "$work/repo"
git -C "$work/repo" init -q -b main
echo '{ "database": "switchbench", "copyData": false }' > "$work/repo/branchtasks.json"
git -C "$work/repo" add branchtasks.json
git -C "$work/repo" -c user.name=bench -c user.email=bench@example.invalid commit -qm init
# `other` has a commit of its own, as a feature branch does (a checkout then changes files, and the hook below does not
# take it for a new branch).
git -C "$work/repo" checkout -q -b other
echo "other" > "$work/repo/feature.txt"
git -C "$work/repo" add feature.txt
git -C "$work/repo" -c user.name=bench -c user.email=bench@example.invalid commit -qm feature
git -C "$work/repo" checkout -q main
# Both database branches exist before the app starts, as after a day's work.
bt up >/dev/null
git -C "$work/repo" checkout -q other
bt up >/dev/null
git -C "$work/repo" checkout -q main

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
daemon_pid=$(bt status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["processId"])')
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
log="$BRANCHTASKS_HOME/daemon.log"

# Two arms, one after the other in this run: without the post-checkout hook (the default), and with it installed (it
# starts the tool in the background only for a checkout that stays on the same commit, a new branch; the daemon's
# HEAD watcher then waits 3 s, but the app's own request does not).
for arm in no-hook hook; do
  if [ "$arm" = hook ]; then bt hooks install >/dev/null; fi
  daemon_before=$(ticks "$daemon_pid")
  log_lines=$(wc -l < "$log")
  started=$(date +%s%N)
  dotnet "$work/bench/live-switch-bench.dll" --repo "$work/repo" --branches main,other --runs "$RUNS" --warmup "$WARMUP" | tee "$work/switch-$arm.out"
  wall=$(python3 -c "print(($(date +%s%N) - $started) / 1e9)")
  daemon_cpu=$(python3 -c "print(($(ticks "$daemon_pid") - $daemon_before) / $(getconf CLK_TCK))")
  # The daemon's own time per ensure request of the app during the switches.
  daemon_ms=$(tail -n +"$((log_lines + 1))" "$log" | sed -n 's/.*ensure .*: ok in \([0-9.]*\) ms.*/\1/p' | tr '\n' ' ')
  printf '%s\t%s\t%s\t%s\n' "$arm" "$daemon_cpu" "$wall" "$daemon_ms" >> "$work/arms.tsv"
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# With the app gone, what the daemon spends idle (its own HEAD watcher waits on file-system events, it does not poll);
# after 5 s, so that the HEAD watcher's last delayed ensures (3 s with the hook) are done.
sleep 5
idle_before=$(ticks "$daemon_pid"); sleep 10; idle_cpu=$(python3 -c "print(($(ticks "$daemon_pid") - $idle_before) / $(getconf CLK_TCK))")

python3 - "$work" "$load_start" "$load_end" "$RUNS" "$WARMUP" "$idle_cpu" > "$work/section.md" <<'PY'
import datetime, os, platform, statistics, sys
work, load_start, load_end, runs, warmup, idle_cpu = sys.argv[1:7]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
print(f"## Live switch: `git checkout` → new IOptionsMonitor value, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC\n")
print(f"Command: `RUNS={runs} WARMUP={warmup} bench/live-switch-benchmark.sh`, on {cpu}, {os.cpu_count()} CPUs.")
print(f"Load average at start {load_start}, at end {load_end} (the machine is shared with other work).\n")
print("An app on `AddBranchTasks()` (bench/LiveSwitchBench: ConfigurationBuilder + IOptionsMonitor, as in samples/ShopApi)")
print("switches between two branches whose database branches exist. Each switch is timed from the start of `git checkout`")
print("to the IOptionsMonitor change callback carrying the other branch's connection string; the two branches are on")
print("different commits, so each checkout also rewrites a file. The second row has the post-checkout hook installed")
print("(`branchtasks hooks install`).\n")
print("| arm | switches | median ms | p90 ms | min ms | max ms | `git checkout` alone, median ms | daemon's answer to the app, median ms | daemon CPU per switch | goal ≤ 500 ms median |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
for line in open(os.path.join(work, "arms.tsv")):
    arm, daemon_cpu, wall, daemon_ms = line.rstrip("\n").split("\t")
    summary = next(l.split() for l in open(os.path.join(work, f"switch-{arm}.out")) if l.startswith("summary"))
    s = dict(zip(summary[1::2], summary[2::2]))
    ms = [float(x) for x in daemon_ms.split()]
    ensure = f"{statistics.median(ms):.1f} ({len(ms)} requests)" if ms else ""
    per_switch = float(daemon_cpu) * 1000 / (int(s["runs"]) + int(warmup))
    met = "met" if float(s["median"]) <= 500 else "not met"
    name = "without the hook" if arm == "no-hook" else "with the post-checkout hook"
    print(f"| {name} | {s['runs']} | {s['median']} | {s['p90']} | {s['min']} | {s['max']} | {s['git-median']} | {ensure} | {per_switch:.0f} ms | {met} |")
print("\nWhere the time goes: `git checkout` itself; the daemon's ensure of an existing branch for the app's request (from")
print("its log; the daemon's own HEAD watcher ensures the branch too, and its CPU is in the CPU column); the rest is the")
print("file-system event reaching the app (no polling: the provider's watcher fires on git's rename of HEAD; its 1 s poll")
print("only backs up a missed event), the request's round trip and the reload. Idle afterwards, with the app gone, the")
print(f"daemon used {float(idle_cpu):.2f} s of CPU in 10 s.")
PY
cat "$work/section.md"
if [ "$WRITE_DOCS" = 1 ]; then
  python3 "$root/bench/write-section.py" "$root/docs/benchmarks.md" live-switch < "$work/section.md"
  echo "Wrote the live-switch section of docs/benchmarks.md"
fi
