#!/usr/bin/env bash
# Issue 13, point 6: every benchmark script once, one after the other, each refreshing its own section of
# docs/benchmarks.md, with the parameters the sections were written with. Run it on a quiet machine (nothing else
# building or testing: every figure is CPU-bound on a small machine); it prints the load average between scripts,
# and each section records its own. About 50 minutes on 2 cores.
#   bench/all.sh            # everything
#   ONLY="dev-loop tunnel" bench/all.sh
set -euo pipefail
cd "$(dirname "$0")/.."
only=${ONLY:-"peers daemon-restart daemon-footprint dev-loop live-switch clone clone-mysql tunnel"}

run() {
  local name=$1; shift
  case " $only " in *" $name "*) ;; *) return 0 ;; esac
  echo "== $name: $* (load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%H:%M:%S') UTC)"
  "$@"
}

run peers env LEVELS="0 1000 4000 8000" RUNS=1000 bench/peer-lookup-benchmark.sh
run daemon-restart bench/daemon-restart.sh 20
run daemon-footprint bench/daemon-footprint.sh 120 20
run dev-loop bench/dev-loop-benchmark.sh 20
run live-switch env RUNS=40 WARMUP=3 bench/live-switch-benchmark.sh
run clone env TABLES=8 TABLE_SIZE=150000 RUNS=5 SMALL_TABLES=100 SMALL_ROWS=1000 SMALL_RUNS=10 bench/clone-benchmark.sh
run clone-mysql env PROVIDERS=mysql TABLES=8 TABLE_SIZE=150000 RUNS=5 SMALL_TABLES=100 SMALL_ROWS=1000 SMALL_RUNS=10 bench/clone-benchmark.sh
run tunnel env DURATION=5 ROUNDS=6 THREADS="8 32" TESTS="oltp_point_select" LATENCY_RUNS=200 bench/tunnel-benchmark.sh
echo "== done (load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%H:%M:%S') UTC)"
