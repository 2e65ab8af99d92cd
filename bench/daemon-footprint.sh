#!/usr/bin/env bash
# What the daemon costs while it waits, and what a CLI call costs with it warm, side by side in one run; writes
# its section of docs/benchmarks.md. Usage: bench/daemon-footprint.sh [idle-seconds] [runs]
#   1. daemon memory with one tunnel open, after queries through it and `idle-seconds` of idling (default 300):
#      RSS, anonymous memory and PSS from /proc, and the largest mappings (what the memory is made of), for the
#      daemon as shipped on linux-x64 (the native, NativeAOT build), the managed tool every other platform runs
#      (and linux-x64 falls back to), and runtime settings that trade start-up or features for memory;
#   2. `branchtasks status --json` against a warm daemon (hyperfine).
# Builds src/BranchTasks.Tool (Release, and its native build); everything runs in private BRANCHTASKS_HOMEs removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
idle=${1:-300}
runs=${2:-30}

for tool in hyperfine mariadb python3; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get install -y -qq hyperfine mariadb-client python3 >/dev/null
  fi
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# As packed: the native build (linux-x64), the managed one precompiled (ReadyToRun, see BranchTasks.Tool.csproj)
# and, for comparison, the plain build (JIT only). Run by path, the managed tools find no native build beside them.
native="$root/src/BranchTasks.Tool/obj/native/Release/branchtasks"
tool="$root/src/BranchTasks.Tool/obj/readytorun/Release/branchtasks.dll"
jit_tool="$root/src/BranchTasks.Tool/bin/Release/net10.0/branchtasks.dll"
work=$(mktemp -d /tmp/bt-footprint-XXXXXX)
homes=()
cleanup() {
  for home in "${homes[@]}"; do
    BRANCHTASKS_HOME="$home" dotnet exec "$jit_tool" down --all >/dev/null 2>&1 || true
    BRANCHTASKS_HOME="$home" dotnet exec "$jit_tool" server stop >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

dotnet build src/BranchTasks.Tool -c Release -nologo -v:q >/dev/null
dotnet msbuild src/BranchTasks.Tool -t:BranchTasksReadyToRun -p:Configuration=Release -nologo -v:q >/dev/null
dotnet restore src/BranchTasks.Tool -nologo -v:q >/dev/null
dotnet msbuild src/BranchTasks.Tool -t:BranchTasksNative -p:Configuration=Release -nologo -v:q >/dev/null
mkdir -p "$work/repo"
cd "$work/repo"
git init -q -b main
echo '{ "provider": "local", "database": "footprint" }' > branchtasks.json
git add -A && git -c user.email=bench@example.com -c user.name=bench commit -qm init

kb() { awk -v k="$1" '$1 == k":" { print $2 }' "$2"; }
# One daemon per variant, each in its own home (and private server), measured after the same work and idle time.
# How to run TOOL: the native executable as it is, a managed build through `dotnet exec` (paths without spaces).
cmd() { case "$1" in *.dll) echo "dotnet exec $1" ;; *) echo "$1" ;; esac; }
measure() {
  local name=$1 home=$2 tool=$3; shift 3
  local port pid
  port=$(env BRANCHTASKS_HOME="$home" "$@" $(cmd "$tool") up --json 2>/dev/null | python3 -c "import json,sys;print(json.load(sys.stdin)['port'])")
  pid=$(cat "$home/daemon.pid")
  for i in $(seq 1 500); do echo "SELECT $i, REPEAT('x', 100);"; done | mariadb -h 127.0.0.1 -P "$port" -u app --skip-ssl -N >/dev/null
  for i in 1 2 3 4 5; do BRANCHTASKS_HOME="$home" $(cmd "$tool") up --json >/dev/null; done
  echo "$name|$home|$pid"
}

variants=(
  "as shipped on linux-x64 (native, NativeAOT)|native"
  "managed, ReadyToRun (every other platform; linux-x64's fallback)|"
  "managed, JIT only (the plain build)|jit"
  "managed, DOTNET_GCgen0size=0x400000 (4 MB gen0 budget)|DOTNET_GCgen0size=0x400000"
  "managed, DOTNET_EnableWriteXorExecute=0 (no double-mapped code)|DOTNET_EnableWriteXorExecute=0"
)
started=()
for variant in "${variants[@]}"; do
  name=${variant%%|*}; setting=${variant#*|}
  home="$work/home-${#homes[@]}"
  homes+=("$home")
  case "$setting" in
    native) started+=("$(measure "$name" "$home" "$native")") ;;
    "") started+=("$(measure "$name" "$home" "$tool")") ;;
    jit) started+=("$(measure "$name" "$home" "$jit_tool")") ;;
    # shellcheck disable=SC2086 # one variant may set several variables, space-separated
    *) started+=("$(measure "$name" "$home" "$tool" $setting)") ;;
  esac
done
# All variants idle at the same time, so they see the same machine.
sleep "$idle"

{
  echo "## Daemon footprint and CLI start, $(date -u '+%Y-%m-%d %H:%M') UTC"
  echo
  echo "Command: \`bench/daemon-footprint.sh $idle $runs\` (one daemon per row, each with one \`local\` tunnel after 500"
  echo "queries through it and 5 \`up\`s, then $idle s idle, all at once; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))."
  echo
  echo "| daemon | RSS | anonymous | PSS | threads |"
  echo "|---|---|---|---|---|"
  for entry in "${started[@]}"; do
    IFS='|' read -r name home pid <<<"$entry"
    status=/proc/$pid/status; rollup=/proc/$pid/smaps_rollup
    printf '| %s | %d MB | %d MB | %d MB | %s |\n' "$name" $(( $(kb VmRSS "$status") / 1024 )) $(( $(kb Anonymous "$rollup") / 1024 )) $(( $(kb Pss "$rollup") / 1024 )) "$(kb Threads "$status")"
  done
  echo
  echo "The native daemon is one executable (the runtime, the GC and the tool's code compiled ahead of time, trimmed):"
  echo "no JIT, no runtime files to map, no IL. The managed rows run on the shared .NET runtime."
  echo "RSS counts every resident page mapped, shared or not: the runtime's files (CoreLib, libcoreclr, libclrjit),"
  echo "OpenSSL and ICU are file pages that every .NET process on the machine shares and the kernel can drop and re-read."
  echo "Anonymous is the daemon's own (GC heap, stacks, native allocations, and JIT-compiled code where W^X is off);"
  echo "\`/memfd:doublemapper\` is the runtime's own executable memory (stubs, JIT-compiled code), mapped through a memfd while W^X is on."
  echo "PSS divides each shared page among the processes that map it."
  echo
  IFS='|' read -r _ _ pid <<<"${started[0]}"
  echo "What the daemon as shipped on linux-x64 (native) is made of (resident KB by mapping, largest first):"
  echo
  echo '```'
  # Not `| head`: it exits after its lines while sort still writes, and under pipefail that SIGPIPE ended the script (141).
  awk '/^[0-9a-f]+-[0-9a-f]+ /{ name = $6; if (name == "") name = "[anonymous: GC heap, stacks, native]" } /^Rss:/{ rss[name] += $2 }
       END { for (n in rss) print rss[n], n }' "/proc/$pid/smaps" | sort -rn | sed -n "1,15{s|$HOME|~|;p}"
  echo '```'
  echo
  IFS='|' read -r _ home _ <<<"${started[0]}"
  # hyperfine runs each command's runs in a block; the first block ran slow after the idle period (an order effect
  # that once passed for a gain), so the cheap --version goes first.
  hyperfine --warmup 3 --runs "$runs" --export-markdown "$work/cli.md" \
    -n "branchtasks --version, native (no daemon call)" "$native --version" \
    -n "branchtasks status --json, native (as shipped on linux-x64; warm daemon)" "BRANCHTASKS_HOME=$home $native status --json" \
    -n "branchtasks --version, managed ReadyToRun (no daemon call)" "dotnet exec $tool --version" \
    -n "branchtasks status --json, managed ReadyToRun (elsewhere; warm daemon)" "BRANCHTASKS_HOME=$home dotnet exec $tool status --json" \
    -n "branchtasks status --json, managed JIT only" "BRANCHTASKS_HOME=$home dotnet exec $jit_tool status --json" \
    >/dev/null
  cat "$work/cli.md"
} > "$work/section.md"
cat "$work/section.md"
python3 "$root/bench/write-section.py" "$root/docs/benchmarks.md" daemon-footprint < "$work/section.md"
