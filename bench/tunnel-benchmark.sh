#!/usr/bin/env bash
# Measures the BranchTasks tunnel against a direct connection and a plain `socat` TCP relay, side by side in one
# run on this machine, and writes the results to its section of docs/benchmarks.md.
#
#   bench/tunnel-benchmark.sh                                   # installs sysbench, socat, mariadb-client if missing
#   DURATION=6 ROUNDS=5 THREADS="1 8 32" LATENCY_RUNS=300 bench/tunnel-benchmark.sh   # the defaults (~35 min)
#   TESTS=oltp_point_select THREADS="8 32" ROUNDS=3 bench/tunnel-benchmark.sh         # a shorter run
#   WRITE_DOCS=0 bench/tunnel-benchmark.sh                      # print the section, leave docs/benchmarks.md alone
#
# Arms, each compared with the arm that has the same TLS setting on the wire to the server:
#   direct       plain TCP to the private server              direct+TLS   TLS to the server (the client does TLS)
#   socat        socat TCP relay, plain                       socat+TLS    the same relay carrying the client's TLS
#   tunnel       the tunnel, upstream leg plain TCP           tunnel+TLS   the tunnel with TLS upstream over TCP, as it
#                                                                          reaches mysql and PlanetScale servers
#   tunnel+unix  the `local` tunnel as shipped: the daemon's, upstream over the private server's Unix socket, no TLS
#   direct+unix  the client straight to the server's Unix socket: how far an app leg over a Unix socket could go
# The tunnels' app legs are plain loopback TCP. `tunnel+unix` is the real daemon started by `branchtasks up`; `tunnel`
# and `tunnel+TLS` run the same TunnelListener code in bench/TunnelBench, dialling the server's TCP port.
#
# What runs:
#   - sysbench TESTS (oltp_point_select and oltp_read_only) at each thread count; every round runs all arms once, in an order
#     that rotates from round to round, and the table shows medians over ROUNDS rounds; ratios are the median of the
#     per-round ratios (each ratio compares two arms measured minutes apart at most);
#   - a ~100 MB result set read with the mariadb client (--quick), interleaved the same way, median seconds;
#   - connect-plus-first-query latency measured in-process by bench/TunnelBench (MySqlConnector, Pooling=false:
#     open, SELECT 1, close), LATENCY_RUNS times per arm with the arms interleaved, median and p90 ms.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
DURATION=${DURATION:-6}
ROUNDS=${ROUNDS:-5}
THREADS=${THREADS:-"1 8 32"}
LATENCY_RUNS=${LATENCY_RUNS:-300}
BIG_ROUNDS=${BIG_ROUNDS:-3}
TESTS=${TESTS:-"oltp_point_select oltp_read_only"}
WRITE_DOCS=${WRITE_DOCS:-1}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

missing=()
command -v sysbench >/dev/null || missing+=(sysbench)
command -v socat >/dev/null || missing+=(socat)
command -v mariadb >/dev/null || missing+=(mariadb-client)
command -v openssl >/dev/null || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing ${missing[*]}..."
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
for tool in dotnet python3 git; do
  command -v "$tool" >/dev/null || { echo "tunnel-benchmark: '$tool' is required" >&2; exit 1; }
done

work=$(mktemp -d /tmp/bt-bench-XXXXXX)
export BRANCHTASKS_HOME="$work/home"
socat_pid=""
host_pid=""
host_tls_pid=""
bt() { (cd "$work/repo" && dotnet "$work/tool/branchtasks.dll" "$@"); }
cleanup() {
  [ -n "$socat_pid" ] && kill "$socat_pid" 2>/dev/null || true
  [ -n "$host_pid" ] && kill "$host_pid" 2>/dev/null || true
  [ -n "$host_tls_pid" ] && kill "$host_tls_pid" 2>/dev/null || true
  if [ -f "$work/tool/branchtasks.dll" ] && [ -d "$work/repo" ]; then
    bt down --all >/dev/null 2>&1 || true
    bt server stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "Building the tool and bench/TunnelBench..."
dotnet publish src/BranchTasks.Tool -c Release -o "$work/tool" -nologo -v:q >/dev/null
dotnet publish bench/TunnelBench -c Release -o "$work/bench" -nologo -v:q >/dev/null

# sysbench 1.0's --mysql-ssl=on always presents client-cert.pem/client-key.pem from its working directory, and the
# private server (which has no ssl-ca of its own) checks client certificates against OpenSSL's default trust store.
# A throw-away self-signed client certificate, trusted through SSL_CERT_FILE by the server this script starts (and
# only by it), lets the TLS arms run; the server does not otherwise use client certificates.
certs="$work/sysbench"
mkdir -p "$certs"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$certs/client-key.pem" -out "$certs/client-cert.pem" \
  -days 2 -subj "/CN=bench client" >/dev/null 2>&1
export SSL_CERT_FILE="$certs/client-cert.pem"

mkdir -p "$work/repo"
git -C "$work/repo" init -q -b main
echo '{ "database": "bench", "copyData": false }' > "$work/repo/branchtasks.json"
git -C "$work/repo" add branchtasks.json
git -C "$work/repo" -c user.name=bench -c user.email=bench@example.invalid commit -qm init
up=$(bt up --json)
unset SSL_CERT_FILE
json() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$@"; }
echo "$up" > "$work/up.json"
tunnel_unix_port=$(json "$work/up.json" port)
database=$(json "$work/up.json" database)
server_port=$(json "$BRANCHTASKS_HOME/local/server.json" port)
# The work folder's path is short, so the socket sits in the state directory (not in the runtime-folder fallback).
server_socket="$BRANCHTASKS_HOME/local/mysqld.sock"
[ -S "$server_socket" ] || { echo "tunnel-benchmark: the private server's Unix socket is not at $server_socket" >&2; exit 1; }
cp "$BRANCHTASKS_HOME/local/tls/server-cert.pem" "$certs/cacert.pem"
# The direct and socat arms need the upstream password; it stays in this script's memory and environment, and reaches
# sysbench through a 0600 options file instead of its command line (which `ps` shows to every user).
password=$(json "$BRANCHTASKS_HOME/local/credentials.json" appPassword)
export BT_BENCH_PASSWORD="$password"
(umask 077 && printf 'mysql-password=%s\n' "$password" > "$work/sysbench-password.conf")

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
socat_port=$(free_port)
# backlog: socat forks per connection and accepts slowly on a busy machine; with its default backlog of 5, 32 threads
# connecting at once overflow the accept queue, the dropped handshakes are retried with exponential back-off, and
# sysbench gives up ("Worker threads failed to initialize within 30 seconds"). The tunnel listens with a backlog of 512.
socat TCP-LISTEN:"$socat_port",bind=127.0.0.1,fork,reuseaddr,nodelay,backlog=512 TCP:127.0.0.1:"$server_port",nodelay &
socat_pid=$!

serve() { # upstream-tls on|off, output file
  dotnet "$work/bench/tunnel-bench.dll" serve --server-port "$server_port" \
    --user branchtasks_app --database "$database" --upstream-tls "$1" > "$2" 2>&1 &
}
hosted_port() {
  for _ in $(seq 100); do grep -q '^port=' "$1" 2>/dev/null && break; sleep 0.1; done
  sed -n 's/^port=//p' "$1"
}
serve off "$work/host.out"; host_pid=$!
serve on "$work/host-tls.out"; host_tls_pid=$!
tunnel_plain_port=$(hosted_port "$work/host.out")
tunnel_tls_port=$(hosted_port "$work/host-tls.out")
[ -n "$tunnel_plain_port" ] && [ -n "$tunnel_tls_port" ] || { echo "tunnel-bench serve did not start:" >&2; cat "$work/host.out" "$work/host-tls.out" >&2; exit 1; }

# The shared branchtasks_app account has no rights of its own (the tunnel logs in as the project's app account, whose
# password only the daemon derives); the arms that log in themselves use it, given the bench database by the admin
# (credentials in a 0600 option file, never on a command line).
(umask 077; python3 - "$BRANCHTASKS_HOME/local/credentials.json" > "$work/admin.cnf" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
print(f"[client]\nuser={c['adminUser']}\npassword={c['adminPassword']}")
PY
)
mariadb --defaults-extra-file="$work/admin.cnf" --host=127.0.0.1 --port="$server_port" --skip-ssl \
  -e "GRANT ALL PRIVILEGES ON \`$database\`.* TO 'branchtasks_app'@'127.0.0.1', 'branchtasks_app'@'localhost'; SET GLOBAL max_connections = 1000"

daemon_pid=$(bt status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["processId"])')
server_pid=$(json "$BRANCHTASKS_HOME/local/server.json" processId)
# The process that relays each arm's traffic, for the CPU it spends per query (socat's forked children are counted
# through their parent once it has reaped them).
declare -A relay_pid=([direct]="" [direct+TLS]="" [direct+unix]="" [socat]=$socat_pid [socat+TLS]=$socat_pid [tunnel]=$host_pid [tunnel+TLS]=$host_tls_pid [tunnel+unix]=$daemon_pid)
# user+system CPU ticks of a process and its reaped children
ticks() { [ -n "$1" ] && awk '{ print $14 + $15 + $16 + $17 }' "/proc/$1/stat" || echo 0; }
hz=$(getconf CLK_TCK)

# name|port or socket path|password (yes/no)|client TLS (on/off): the tunnels' app legs are always plain; tunnel+TLS's
# TLS is upstream.
arms=(
  "direct|$server_port|yes|off"
  "direct+TLS|$server_port|yes|on"
  "direct+unix|$server_socket|yes|off"
  "socat|$socat_port|yes|off"
  "socat+TLS|$socat_port|yes|on"
  "tunnel|$tunnel_plain_port|no|off"
  "tunnel+TLS|$tunnel_tls_port|no|off"
  "tunnel+unix|$tunnel_unix_port|no|off"
)
# The arms in round r, rotated so that no arm always runs first or last.
rotated() { local r=$1 n=${#arms[@]} k; for ((k = 0; k < n; k++)); do echo "${arms[$(((r + k) % n))]}"; done; }

# Where a client connects: a port on 127.0.0.1, or a Unix socket when it is a path.
sb_address() { case $1 in /*) echo "--mysql-socket=$1";; *) echo "--mysql-host=127.0.0.1 --mysql-port=$1";; esac; }
cli_address() { case $1 in /*) echo "--socket=$1";; *) echo "--host=127.0.0.1 --port=$1";; esac; }
sb() { # port-or-socket password-yes/no tls test threads command
  # shellcheck disable=SC2046
  local args=(--db-driver=mysql $(sb_address "$1") --mysql-user=branchtasks_app --mysql-db="$database"
    --mysql-ssl="$3" --tables=4 --table-size=10000 --threads="$5" --time="$DURATION" --report-interval=0)
  [ "$2" = yes ] && args+=(--config-file="$work/sysbench-password.conf")
  (cd "$certs" && sysbench "$4" "${args[@]}" "$6")
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
echo "Preparing sysbench tables..."
sb "$server_port" yes off oltp_read_only 4 prepare >/dev/null

results="$work/results.tsv"
: > "$results"
: > "$work/cpu.tsv"
for test in $TESTS; do
  for threads in $THREADS; do
    for ((round = 0; round < ROUNDS; round++)); do
      while IFS='|' read -r name port pw ssl; do
        relay_before=$(ticks "${relay_pid[$name]}"); server_before=$(ticks "$server_pid")
        TIMEFORMAT='%U %S'
        client_cpu=$( { time sb "$port" "$pw" "$ssl" "$test" "$threads" run > "$work/sysbench.out" 2>>"$work/sysbench.err"; } 2>&1 ) || true
        qps=$(awk '/queries:/ { gsub(/\(/, "", $3); print $3; exit }' "$work/sysbench.out")
        queries=$(awk '/queries:/ { print $2; exit }' "$work/sysbench.out")
        sleep 0.3 # let socat reap its children, so their CPU is counted
        if [ -n "$qps" ]; then
          printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$queries" "$(($(ticks "${relay_pid[$name]}") - relay_before))" \
            "$(($(ticks "$server_pid") - server_before))" "$hz" "$client_cpu" "$test@$threads" >> "$work/cpu.tsv"
        fi
        if [ -z "$qps" ]; then
          echo "$test@$threads round $round $name: FAILED" >&2
          tail -3 "$work/sysbench.err" >&2
          printf '%s\t%s\t%s\t%s\t%s\n' "$test@$threads" "$round" "$name" "" "qps" >> "$results"
          continue
        fi
        echo "$test@$threads round $round $name: $qps q/s"
        printf '%s\t%s\t%s\t%s\t%s\n' "$test@$threads" "$round" "$name" "$qps" "qps" >> "$results"
      done < <(rotated "$round")
    done
  done
done
sb "$server_port" yes off oltp_read_only 4 cleanup >/dev/null

for ((round = 0; round < BIG_ROUNDS; round++)); do
  while IFS='|' read -r name port pw ssl; do
    tls=--skip-ssl; [ "$ssl" = on ] && tls=--ssl
    pwenv=(); [ "$pw" = yes ] && pwenv=(env MYSQL_PWD="$password")
    start=$(date +%s%N)
    # shellcheck disable=SC2046
    "${pwenv[@]}" mariadb $(cli_address "$port") --user=branchtasks_app "$tls" --quick --batch --skip-column-names \
      -e "SELECT REPEAT('x', 1000) FROM seq_1_to_100000" "$database" > /dev/null
    seconds=$(python3 -c "print(($(date +%s%N) - $start) / 1e9)")
    echo "100MB round $round $name: ${seconds}s"
    printf '%s\t%s\t%s\t%s\t%s\n' "100MB" "$round" "$name" "$seconds" "s" >> "$results"
  done < <(rotated "$round")
done

latency_arms=()
for arm in "${arms[@]}"; do
  IFS='|' read -r name port pw ssl <<< "$arm"
  latency_arms+=("$name=$port:$([ "$ssl" = on ] && echo required || echo none):$([ "$pw" = yes ] && echo password || echo none)")
done
echo "Connect + SELECT 1, $LATENCY_RUNS times per arm, interleaved..."
dotnet "$work/bench/tunnel-bench.dll" latency --database "$database" --runs "$LATENCY_RUNS" --warmup 30 "${latency_arms[@]}" > "$work/latency.tsv"
cat "$work/latency.tsv"

status=$(bt status --json 2>/dev/null || true)
echo "$status" > "$work/status.json"

load_end=$(cut -d' ' -f1-3 /proc/loadavg)
python3 "$root/bench/tunnel-report.py" "$results" "$work/latency.tsv" "$work/status.json" "$work/cpu.tsv" "$load_start" "$load_end" \
  "DURATION=$DURATION ROUNDS=$ROUNDS THREADS=\"$THREADS\" TESTS=\"$TESTS\" LATENCY_RUNS=$LATENCY_RUNS" > "$work/section.md"
cat "$work/section.md"
if [ "$WRITE_DOCS" = 1 ]; then
  mkdir -p "$root/docs"
  python3 "$root/bench/write-section.py" "$root/docs/benchmarks.md" tunnel < "$work/section.md"
  echo "Wrote the tunnel section of docs/benchmarks.md"
fi
