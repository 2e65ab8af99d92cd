#!/usr/bin/env bash
# BranchTasks build entry point. The README's quick start is two of these commands:
#   ./build.sh sample   pack the packages, then `dotnet run` the shop sample on the current git branch's database
#   ./build.sh test     pack the packages, then run the whole test suite
# Also: ./build.sh pack   (just the packages, into artifacts/packages)
set -euo pipefail
cd "$(dirname "$0")"
root=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

need_server() {
  # The local provider runs a private MariaDB server from the machine's server binaries.
  if command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || command -v mysqld >/dev/null 2>&1 || [ -x /usr/sbin/mysqld ]; then
    return
  fi
  if command -v apt-get >/dev/null 2>&1; then
    echo "build.sh: installing mariadb-server (the local provider's server binaries)..."
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    # Installs binaries only; BranchTasks never uses the system service, it starts a private server.
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq mariadb-server mariadb-client >/dev/null
  else
    echo "build.sh: MariaDB server binaries not found. Install them (brew install mariadb, or the MariaDB MSI on Windows) and retry." >&2
    exit 1
  fi
}

need_clang() {
  # The native (NativeAOT) tool for linux-x64 is linked with clang; Debian's clang-14 package alone has no `clang`
  # command, which BranchTasks.Tool.csproj handles. Without any clang the packages carry the managed tool only.
  if [ "$(uname -sm)" != "Linux x86_64" ] || command -v clang >/dev/null 2>&1 || [ -x /usr/bin/clang-14 ] || ! command -v apt-get >/dev/null 2>&1; then
    return
  fi
  echo "build.sh: installing clang (links the native linux-x64 tool)..."
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq clang >/dev/null
}

pack() {
  need_clang
  rm -f artifacts/packages/*.nupkg
  dotnet pack BranchTasks.sln -c Release -nologo -v:q
  # A re-pack keeps its version (same commit): drop cached copies so consumers see the new bits.
  rm -rf artifacts/samples-packages/branchtasks* artifacts/test-packages/branchtasks*
}

case "${1:-}" in
  pack)
    pack
    ;;
  sample)
    need_server
    pack
    shift
    dotnet run --project samples/ShopSample -- "$@"
    ;;
  test)
    need_server
    pack
    shift
    log=$(mktemp)
    set +e
    dotnet test BranchTasks.sln -c Release -nologo "$@" 2>&1 | tee "$log"
    status=${PIPESTATUS[0]}
    set -e
    # One closing line for the whole suite.
    awk '/(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
         END { gsub(",", "", f); printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
    rm -f "$log"
    exit "$status"
    ;;
  *)
    echo "usage: ./build.sh sample|test|pack" >&2
    exit 2
    ;;
esac
