#!/usr/bin/env bash
# Times the tunnel's per-connection peer check on Linux, side by side in one run: the /proc/net/tcp scan (the
# fallback) against the netlink sock_diag query for the one socket (the path taken), with more and more loopback
# connections held open, and writes the results to its section of docs/benchmarks.md.
#
#   bench/peer-lookup-benchmark.sh                              # LEVELS="0 1000 4000 8000" RUNS=1000 (about a minute)
#   LEVELS="0 500 2000 8000" RUNS=2000 bench/peer-lookup-benchmark.sh
#   WRITE_DOCS=0 bench/peer-lookup-benchmark.sh                 # print the section, leave docs/benchmarks.md alone
#
# Every run looks up the same accepted connection by both paths, the order alternating from run to run; each LEVEL
# adds loopback connections held by the benchmark (two sockets each, so two rows of /proc/net/tcp).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
LEVELS=${LEVELS:-"0 1000 4000 8000"}
RUNS=${RUNS:-1000}
WRITE_DOCS=${WRITE_DOCS:-1}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
[ "$(uname -s)" = Linux ] || { echo "peer-lookup-benchmark: Linux only (the two lookups are Linux's)" >&2; exit 1; }

work=$(mktemp -d /tmp/bt-peers-XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "Building bench/PeerLookupBench..."
dotnet publish bench/PeerLookupBench -c Release -o "$work/bench" -nologo -v:q >/dev/null

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
# shellcheck disable=SC2086
dotnet "$work/bench/peer-lookup-bench.dll" $LEVELS --runs "$RUNS" > "$work/results.tsv"
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

command_line="LEVELS=\"$LEVELS\" RUNS=$RUNS bench/peer-lookup-benchmark.sh"
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
section=$(python3 - "$work/results.tsv" "$command_line" "$cpu, $(nproc) CPUs, Linux $(uname -r)" "$load_start" "$load_end" <<'PY'
import sys
path, command, machine, load_start, load_end = sys.argv[1:]
rows = {}
for line in open(path):
    level, table_rows, arm, median, p10, p90, runs = line.rstrip("\n").split("\t")
    rows.setdefault((int(level), int(table_rows)), {})[arm] = (float(median), float(p10), float(p90), int(runs))
out = []
out.append("## The tunnel's peer check: /proc/net/tcp scan vs netlink sock_diag")
out.append("")
out.append(f"Command: `{command}`, on {machine}.")
out.append(f"Load average at start {load_start}, at end {load_end} (the machine is shared with other work; both paths are")
out.append("measured in the same process, run after run, so the ratio is paired even when single numbers move).")
out.append("")
out.append("Microseconds to find the owner of one accepted loopback connection's peer (median, with p10–p90), while the")
out.append("benchmark holds extra loopback connections open; `proc` reads `/proc/net/tcp` and `tcp6` (the fallback),")
out.append("`netlink` asks the kernel for the one socket (NETLINK_SOCK_DIAG, what the tunnel does first).")
out.append("")
out.append("| extra connections | rows in /proc/net/tcp + tcp6 | proc µs | netlink µs | proc ÷ netlink |")
out.append("|---:|---:|---:|---:|---:|")
for (level, table_rows), arms in sorted(rows.items()):
    p, n = arms["proc"], arms["netlink"]
    out.append(f"| {level:,} | {table_rows:,} | {p[0]:,.1f} ({p[1]:,.1f}–{p[2]:,.1f}) | {n[0]:,.1f} ({n[1]:,.1f}–{n[2]:,.1f}) | {p[0] / n[0]:,.0f}× |")
out.append("")
out.append(f"{next(iter(rows.values()))['proc'][3]} runs per path and level.")
print("\n".join(out))
PY
)
echo "$section"
if [ "$WRITE_DOCS" = 1 ]; then
  echo "$section" | python3 bench/write-section.py docs/benchmarks.md peers
  echo "Wrote the peers section of docs/benchmarks.md"
fi
