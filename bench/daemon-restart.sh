#!/usr/bin/env bash
# Measures how fast `branchtasks up --json` answers after the daemon was killed with `kill -9` (it must start a
# new daemon, which reopens the tunnel on the same port), against a warm `up`, and writes its section of
# docs/benchmarks.md. Usage: bench/daemon-restart.sh [runs]
# Builds src/BranchTasks.Tool (Release) and runs everything in a private BRANCHTASKS_HOME, removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
runs=${1:-20}

if ! command -v hyperfine >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get install -y -qq hyperfine >/dev/null
fi

work=$(mktemp -d /tmp/bt-bench-XXXXXX)
export BRANCHTASKS_HOME="$work/home"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
tool="$root/src/BranchTasks.Tool/bin/Release/net10.0/branchtasks.dll"
bt() { dotnet exec "$tool" "$@"; }
cleanup() {
  (cd "$work/repo" 2>/dev/null && bt down --all >/dev/null 2>&1) || true
  bt server stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

dotnet build src/BranchTasks.Tool -c Release -nologo -v:q >/dev/null
mkdir -p "$work/repo"
cd "$work/repo"
git init -q -b main
echo '{ "provider": "local", "database": "bench" }' > branchtasks.json
git add -A && git -c user.email=bench@example.com -c user.name=bench commit -qm init
# Warm everything once: private server, database branch, daemon, tunnel.
port=$(bt up --json | python3 -c "import json,sys;print(json.load(sys.stdin)['port'])")

# The killed daemon leaves its socket, pid file and lock file behind, as a crash would.
kill_daemon='kill -9 "$(cat "$BRANCHTASKS_HOME/daemon.pid")"; while kill -0 "$(cat "$BRANCHTASKS_HOME/daemon.pid")" 2>/dev/null; do sleep 0.01; done'
# One --prepare per command (a single one would apply to both).
hyperfine --warmup 2 --runs "$runs" --export-markdown "$work/restart.md" \
  --prepare "$kill_daemon" --prepare "true" \
  -n "up after kill -9 of the daemon" "dotnet exec $tool up --json" \
  -n "up, warm daemon" "dotnet exec $tool up --json"
cat "$work/restart.md"

# The tunnel came back on its port.
again=$(bt up --json | python3 -c "import json,sys;print(json.load(sys.stdin)['port'])")
[ "$again" = "$port" ] && echo "tunnel port kept: $port" || { echo "tunnel port moved: $port -> $again" >&2; exit 1; }

{
  echo "## \`up\` after the daemon was killed, $(date -u '+%Y-%m-%d %H:%M') UTC"
  echo
  echo "Command: \`bench/daemon-restart.sh $runs\` (hyperfine; a private \`BRANCHTASKS_HOME\`, \`local\` provider, a warm"
  echo "private server and tunnel; before each run of the first arm the daemon gets \`kill -9\`, leaving its socket, pid"
  echo "file and lock behind). $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end. The tunnel kept its port ($port)."
  echo
  cat "$work/restart.md"
  echo
  echo "Where the time goes: the client reads \`daemon.pid\` and, when that process is gone (or a zombie), treats the"
  echo "socket it left as stale at once instead of retrying a refused connect (before that fix, on 2026-12-04: 1552 ms"
  echo "after \`kill -9\` against 243 ms warm). What remains is the new daemon's start and its first ensure (the private"
  echo "server check and the tunnel, cold code), plus the CLI's own start."
} | python3 "$root/bench/write-section.py" "$root/docs/benchmarks.md" daemon-restart
