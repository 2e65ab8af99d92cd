#!/usr/bin/env bash
# Measures the BranchTasks tunnel against a direct connection and a plain `socat` TCP relay, in one run, on
# this machine, and writes the results (as ratios to direct) to its section of docs/benchmarks.md.
#
#   bench/tunnel-benchmark.sh            # needs: dotnet, mariadbd + mariadb client, sysbench, socat, hyperfine, python3
#   DURATION=20 THREADS="1 8 32" bench/tunnel-benchmark.sh
#
# What runs: sysbench oltp_point_select and oltp_read_only at each thread count, a ~100 MB result set read
# with the mariadb client, and connect-plus-first-query latency (mariadb -e 'SELECT 1', hyperfine median).
# Targets: the private server directly (plain and TLS), through socat (plain and TLS end to end), and
# through the tunnel (the app's leg is plain loopback; the tunnel's upstream leg uses TLS, as shipped).
# sysbench runs only the plain targets (its TLS mode needs client certificate files).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
DURATION=${DURATION:-10}
THREADS=${THREADS:-"1 8 32"}
LATENCY_RUNS=${LATENCY_RUNS:-200}
for tool in dotnet sysbench socat hyperfine mariadb python3 git; do
  command -v "$tool" >/dev/null || { echo "tunnel-benchmark: '$tool' is required (apt-get install -y sysbench socat hyperfine mariadb-client)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/bt-bench-XXXXXX)
export BRANCHTASKS_HOME="$work/home"
socat_pid=""
cleanup() {
  [ -n "$socat_pid" ] && kill "$socat_pid" 2>/dev/null || true
  if [ -x "$work/tool/branchtasks" ] || [ -f "$work/tool/branchtasks.dll" ]; then
    (cd "$work/repo" && dotnet "$work/tool/branchtasks.dll" down --all >/dev/null 2>&1 || true)
    (cd "$work/repo" && dotnet "$work/tool/branchtasks.dll" server stop >/dev/null 2>&1 || true)
  fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "Building the tool..."
dotnet publish src/BranchTasks.Tool -c Release -o "$work/tool" -nologo -v:q >/dev/null

mkdir -p "$work/repo"
git -C "$work/repo" init -q -b main
echo '{ "database": "bench", "copyData": false }' > "$work/repo/branchtasks.json"
git -C "$work/repo" add branchtasks.json
git -C "$work/repo" -c user.name=bench -c user.email=bench@example.invalid commit -qm init
up=$(cd "$work/repo" && dotnet "$work/tool/branchtasks.dll" up --json)
tunnel_port=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["port"])' "$up")
database=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["database"])' "$up")
server_port=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' "$BRANCHTASKS_HOME/local/server.json")
# The direct and socat targets need the upstream password; it stays in this script's memory.
password=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["appPassword"])' "$BRANCHTASKS_HOME/local/credentials.json")
socat_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
socat TCP-LISTEN:"$socat_port",bind=127.0.0.1,fork,reuseaddr,nodelay TCP:127.0.0.1:"$server_port",nodelay &
socat_pid=$!
sleep 0.5

mariadb --host=127.0.0.1 --port="$server_port" --user=branchtasks_app --password="$password" --skip-ssl \
  -e "SET GLOBAL max_connections = 1000" "$database"

# target name, port, password argument, TLS (on/off)
targets=(
  "direct|$server_port|$password|off"
  "direct+TLS|$server_port|$password|on"
  "socat|$socat_port|$password|off"
  "socat+TLS|$socat_port|$password|on"
  "tunnel|$tunnel_port||off"
)

sb() { # target-port password ssl test threads command
  local args=(--db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$1" --mysql-user=branchtasks_app --mysql-db="$database" --mysql-ssl="$3" --tables=4 --table-size=10000 --threads="$5")
  [ -n "$2" ] && args+=(--mysql-password="$2")
  sysbench "$4" "${args[@]}" --time="$DURATION" --report-interval=0 "$6"
}

echo "Preparing sysbench tables..."
sb "$server_port" "$password" off oltp_read_only 4 prepare >/dev/null

mkdir -p "$root/docs"
results="$work/results.tsv"
: > "$results"
for test in oltp_point_select oltp_read_only; do
  for threads in $THREADS; do
    for target in "${targets[@]}"; do
      IFS='|' read -r name port pw ssl <<< "$target"
      # sysbench 1.0's --mysql-ssl=on wants client certificate files; its TLS rows are left out.
      [ "$ssl" = on ] && continue
      qps=$(sb "$port" "$pw" "$ssl" "$test" "$threads" run 2>>"$work/sysbench.err" | awk '/queries:/ { gsub(/\(/, "", $3); print $3; exit }') || true
      if [ -z "$qps" ]; then
        echo "$test threads=$threads $name: failed:" >&2
        tail -5 "$work/sysbench.err" >&2
        continue
      fi
      echo "$test threads=$threads $name: $qps queries/s"
      printf '%s\t%s\t%s\t%s\n' "$test@$threads" "$name" "$qps" "qps" >> "$results"
    done
  done
done

mysql_cli() { # port password ssl
  local args=(--host=127.0.0.1 --port="$1" --user=branchtasks_app --batch --skip-column-names)
  [ -n "$2" ] && args+=(--password="$2")
  [ "$3" = on ] && args+=(--ssl) || args+=(--skip-ssl)
  printf '%q ' mariadb "${args[@]}"
}

for target in "${targets[@]}"; do
  IFS='|' read -r name port pw ssl <<< "$target"
  cli=$(mysql_cli "$port" "$pw" "$ssl")
  hyperfine --style none --runs 5 --export-json "$work/big.json" \
    "$cli --quick -e \"SELECT REPEAT('x', 1000) FROM seq_1_to_100000\" $database > /dev/null" >/dev/null
  seconds=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["median"])' "$work/big.json")
  echo "100 MB result $name: ${seconds}s"
  printf '%s\t%s\t%s\t%s\n' "100MB" "$name" "$seconds" "s" >> "$results"

  hyperfine --style none -N --warmup 10 --runs "$LATENCY_RUNS" --export-json "$work/lat.json" \
    "$cli -e \"SELECT 1\" $database" >/dev/null
  ms=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["median"]*1000)' "$work/lat.json")
  echo "connect+SELECT 1 $name: ${ms} ms (median, includes starting the mariadb client)"
  printf '%s\t%s\t%s\t%s\n' "latency" "$name" "$ms" "ms" >> "$results"
done

sb "$server_port" "$password" off oltp_read_only 4 cleanup >/dev/null

python3 - "$results" "$DURATION" "$THREADS" > "$work/section.md" <<'PY'
import collections, datetime, os, platform, subprocess, sys
results, duration, threads = sys.argv[1:4]
rows = collections.OrderedDict()
units = {}
for line in open(results):
    key, name, value, unit = line.rstrip("\n").split("\t")
    rows.setdefault(key, {})[name] = float(value)
    units[key] = unit
names = ["direct", "direct+TLS", "socat", "socat+TLS", "tunnel"]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
server = next((p for p in ("/usr/sbin/mariadbd", "/usr/sbin/mysqld") if os.path.exists(p)), "mariadbd")
version = subprocess.run([server, "--version"], capture_output=True, text=True).stdout.strip()
lines = [f"## Tunnel vs direct vs socat, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC\n",
         f"`bench/tunnel-benchmark.sh` (DURATION={duration}, THREADS=\"{threads}\") on {cpu}, {os.cpu_count()} CPUs; {version}.",
         "Throughput rows are queries/s (higher is better), the 100 MB row seconds and the latency row the median ms of",
         "`mariadb -e 'SELECT 1'` including client start (lower is better). Ratios are to `direct` (plain TCP to the server);",
         "the tunnel's app leg is plain loopback and its upstream leg TLS, so compare it with both `direct` and `direct+TLS`.",
         "For q/s a ratio above 1 means the tunnel is faster; for seconds and ms, above 1 means slower.",
         "sysbench's TLS mode needs client certificate files, so its TLS cells are empty.\n",
         "| measurement | " + " | ".join(names) + " | tunnel/direct | tunnel/direct+TLS | tunnel/socat |",
         "|---|" + "---:|" * (len(names) + 3)]
for key, values in rows.items():
    unit = units[key]
    def fmt(v):
        return f"{v:,.0f}" if unit == "qps" else f"{v:.3f}"
    d, dt, s, t = values.get("direct"), values.get("direct+TLS"), values.get("socat"), values.get("tunnel")
    cells = [fmt(values[n]) + (" q/s" if unit == "qps" else " " + unit) if n in values else "" for n in names]
    ratio = lambda a, b: f"{a / b:.2f}" if a and b else ""
    lines.append(f"| {key} | " + " | ".join(cells) + f" | {ratio(t, d)} | {ratio(t, dt)} | {ratio(t, s)} |")
print("\n".join(lines))
PY
cat "$work/section.md"
python3 "$root/bench/write-section.py" "$root/docs/benchmarks.md" tunnel < "$work/section.md"
echo "Wrote the tunnel section of docs/benchmarks.md"
