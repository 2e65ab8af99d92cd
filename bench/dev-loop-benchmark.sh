#!/usr/bin/env bash
# Measures what BranchTasks adds to the dev loop, side by side in one run, and writes its section of
# docs/benchmarks.md. Usage: bench/dev-loop-benchmark.sh [runs]
#   1. `dotnet run` of samples/ShopSample with the package and a warm daemon, against the same sample
#      with BranchTasks disabled and a direct connection string to the same server;
#   2. the ensure step alone: `dotnet msbuild -t:BranchTasksEnsure`, enabled vs disabled;
#   3. creating a branch of a 100-table schema with data: `branchtasks branch create` against
#      `mariadb-dump | mariadb` of the same database.
# Everything runs in a private BRANCHTASKS_HOME that is removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
runs=${1:-20}

for tool in hyperfine mariadb-dump python3; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get install -y -qq hyperfine mariadb-client python3 >/dev/null
  fi
done

work=$(mktemp -d /tmp/bt-bench-XXXXXX)
export BRANCHTASKS_HOME="$work/home"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
bt() { dotnet exec "$root/src/BranchTasks.Tool/bin/Release/net10.0/branchtasks.dll" "$@"; }
cleanup() {
  bt server stop >/dev/null 2>&1 || true
  bt down --all >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

./build.sh pack >/dev/null
sample=samples/ShopSample
dotnet build "$sample" -c Release -nologo -v:q >/dev/null
# Warm everything up once: daemon, private server, database branch, tunnel.
dotnet run --project "$sample" -c Release --no-build -- --Sample:ReadOnly=true >/dev/null

state="$BRANCHTASKS_HOME/local"
server_port=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['port'])" "$state/server.json")
database=$(bt -C "$sample" up --json | python3 -c "import json,sys;print(json.load(sys.stdin)['database'])")
# The direct arm logs in as the private server's admin (the per-project app account's password is derived
# inside the daemon); the same queries either way. The password goes in the environment (readable by this
# user only), never on a command line.
admin_user=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['adminUser'])" "$state/credentials.json")
admin_password=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['adminPassword'])" "$state/credentials.json")
export BENCH_DIRECT="Server=127.0.0.1;Port=$server_port;Database=$database;User ID=$admin_user;Password=$admin_password"
# Admin credentials for the dump arm, in a 0600 option file rather than on a command line.
(umask 077; python3 - "$state/credentials.json" "$server_port" > "$work/admin.cnf" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
print(f"[client]\nhost=127.0.0.1\nport={sys.argv[2]}\nuser={c['adminUser']}\npassword={c['adminPassword']}")
PY
)
sql() { mariadb --defaults-extra-file="$work/admin.cnf" "$@"; }

hyperfine --warmup 3 --runs "$runs" --export-json "$work/run.json" --export-markdown "$work/run.md" \
  -n "dotnet run, BranchTasks (warm daemon)" "dotnet run --project $sample -c Release --no-build -- --Sample:ReadOnly=true" \
  -n "dotnet run, direct connection string" "ConnectionStrings__Default=\"\$BENCH_DIRECT\" dotnet run --project $sample -c Release --no-build -p:BranchTasksEnabled=false -- --Sample:ReadOnly=true"

# Interleaved rather than hyperfine's one block per arm: the difference sought (tens of ms) is smaller than what a
# busy minute on the shared machine moves one block by.
python3 bench/interleave.py "$runs" 3 "$work/ensure.json" "$work/ensure.md" \
  "msbuild -t:BranchTasksEnsure (enabled)" "dotnet msbuild $sample -t:BranchTasksEnsure -p:Configuration=Release -nologo -v:q" \
  "msbuild -t:BranchTasksEnsure (disabled)" "dotnet msbuild $sample -t:BranchTasksEnsure -p:Configuration=Release -p:BranchTasksEnabled=false -nologo -v:q"

# A 100-table schema with data: a project of its own in a temporary git repository.
repo="$work/clone-repo"
git init -q -b main "$repo"
echo '{ "provider": "local", "database": "bench" }' > "$repo/branchtasks.json"
git -C "$repo" add . && git -C "$repo" -c user.name=bench -c user.email=bench@localhost commit -qm bench
bt -C "$repo" up --json >/dev/null
{
  for i in $(seq 1 100); do
    echo "CREATE TABLE bench_main.t$i (id INT AUTO_INCREMENT PRIMARY KEY, a INT NOT NULL, b VARCHAR(64) NOT NULL, c DATETIME NOT NULL, KEY (a));"
    echo "INSERT INTO bench_main.t$i (a, b, c) SELECT seq, MD5(seq), NOW() - INTERVAL seq MINUTE FROM seq_1_to_1000;"
  done
} | sql bench_main
rows=$(sql -N -e "SELECT SUM(TABLE_ROWS) FROM information_schema.TABLES WHERE TABLE_SCHEMA='bench_main'")

hyperfine --warmup 1 --runs 5 --export-json "$work/clone.json" --export-markdown "$work/clone.md" \
  -n "branchtasks branch create" --prepare "dotnet exec $root/src/BranchTasks.Tool/bin/Release/net10.0/branchtasks.dll -C $repo branch delete --yes copy-a >/dev/null 2>&1 || true" \
  "dotnet exec $root/src/BranchTasks.Tool/bin/Release/net10.0/branchtasks.dll -C $repo branch create copy-a" \
  -n "mariadb-dump | mariadb" --prepare "mariadb --defaults-extra-file=$work/admin.cnf -e 'DROP DATABASE IF EXISTS bench_dumpcopy; CREATE DATABASE bench_dumpcopy'" \
  "mariadb-dump --defaults-extra-file=$work/admin.cnf --single-transaction --routines --triggers --events bench_main | mariadb --defaults-extra-file=$work/admin.cnf bench_dumpcopy"

ratio() { python3 - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
a, b = r[0], r[1]
line = (f"{a['command']}: median {a['median']*1000:.1f} ms; {b['command']}: median {b['median']*1000:.1f} ms; "
        f"difference {(a['median']-b['median'])*1000:+.1f} ms; ratio {a['median']/b['median']:.2f}")
if "times" in a and "times" in b:
    # Interleaved runs: run i of each arm ran back to back, so their difference is the least disturbed by load that
    # comes and goes; its median is the steadier figure.
    import statistics
    paired = statistics.median(x - y for x, y in zip(a["times"], b["times"]))
    line += f"; median of the paired differences (run i of each) {paired*1000:+.1f} ms"
print(line)
PY
}

{
  echo "## The dev loop and branch creation"
  echo
  echo "Produced by \`bench/dev-loop-benchmark.sh $runs\` on $(date -u '+%Y-%m-%d %H:%M') UTC — $(nproc) cores, load average"
  echo "$(cut -d' ' -f1-3 /proc/loadavg) at the end, $(dotnet --version) SDK, $(sql -N -e 'SELECT VERSION()'). Both arms of each table ran in one"
  echo "call on the same machine (the ensure step's interleaved, the others in hyperfine's blocks one after the other),"
  echo "so the ratios compare like with like as far as the machine's other load allows. Re-run the script to refresh this file."
  echo
  echo "### \`dotnet run\` with BranchTasks vs a direct connection string"
  echo
  echo "The sample opens a connection and reads a table. With BranchTasks the run includes the ensure step"
  echo "(the MSBuild task asks the warm daemon, which re-reads HEAD and branchtasks.json, checks the branch"
  echo "and proves the tunnel with \`SELECT 1\`) and the app's queries go through the tunnel."
  echo
  cat "$work/run.md"
  echo
  echo "$(ratio "$work/run.json")"
  echo
  echo "Read with care: the direct arm's app negotiates TLS with the server itself (MySqlConnector's default"
  echo "\`SslMode=Preferred\`, and the private server offers TLS), a cold TLS set-up inside a fresh process; through"
  echo "the tunnel the app's leg is plain loopback and the warm daemon holds the TLS session upstream. That"
  echo "saving can outweigh the ensure step, so this row measures the whole dev loop as users live it, not the"
  echo "ensure step; the next section isolates that."
  echo
  echo "### The ensure step alone"
  echo
  echo "\`dotnet msbuild -t:BranchTasksEnsure\` with the step enabled vs disabled: the difference is what the"
  echo "step costs inside \`dotnet run\` (the rest is MSBuild's own start-up and evaluation). $runs runs of each, interleaved"
  echo "(enabled, disabled, disabled, enabled, ...; bench/interleave.py) after 3 warm-up runs of each."
  echo
  cat "$work/ensure.md"
  echo
  echo "$(ratio "$work/ensure.json")"
  echo
  echo "The daemon's own share is in its log for every request (\`ensure ...: ok in N ms\`): it re-reads HEAD and"
  echo "branchtasks.json, and when nothing changed since its last full ensure (within a minute, same tunnel) it only"
  echo "proves the tunnel with a real \`SELECT 1\`. The rest is MSBuild in a fresh process: loading the task assembly"
  echo "(precompiled, ReadyToRun for linux-x64), running its one task (EnsureBranch, which also writes the run script),"
  echo "and one blocking request over the daemon's socket, whose JSON the task writes and reads by hand (JsonSerializer's"
  echo "converters were JIT-compiled in every run)."
  echo
  echo "Daemon log for the enabled runs: $(grep -o 'ensure [^:]*: ok in [0-9.]* ms' "$BRANCHTASKS_HOME/daemon.log" | tail -n "$runs" | awk '{ v[NR] = $(NF-1) } END { n = asort(v); printf "median %.1f ms of %d requests", (n % 2 ? v[(n+1)/2] : (v[n/2] + v[n/2+1]) / 2), n }')."
  echo
  echo "### Creating a branch: 100 tables, $rows rows"
  echo
  echo "\`branchtasks branch create\` (schema, rows, counters, views, routines, triggers, events, metadata)"
  echo "against \`mariadb-dump --single-transaction --routines --triggers --events | mariadb\` of the same"
  echo "database into an empty one, on the same private server."
  echo
  cat "$work/clone.md"
  echo
  echo "$(ratio "$work/clone.json")"
} | python3 bench/write-section.py docs/benchmarks.md dev-loop
echo "wrote the dev-loop section of docs/benchmarks.md"
