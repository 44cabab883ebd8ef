#!/usr/bin/env bash
# Memory at scale: bulk-loads bench users with circle zones straight into the local cluster's
# PostgreSQL (binary COPY of the rows the Api would write), activates every one of them through the
# cluster (one GetPresence each, bounded concurrency) and reports load rows/s, activations/s and the
# silo's working set (VmRSS) and GC heap per active user.
#
#   ZONES_SILOS=1 ZONES_ENVIRONMENT=Production deploy/local/up.sh   # first: a cluster with one silo
#   deploy/local/memory-bench.sh --users 200000 [--zones-per-user 10] [--concurrency 64]
#                                [--settle 15] [--gcdump FILE.gcdump] [--load-parallelism 2]
#
# Bench users are numbered (emails membench-NNNNNNNN@memory-bench.invalid); a rerun with more
# --users loads only the missing ones and activates all of the first --users. For a clean figure,
# restart the silo first (down.sh, up.sh): users activated earlier stay active until the
# Orleans:GrainCollectionAge idle limit. --gcdump needs `dotnet tool install -g dotnet-gcdump`.
# The rows are real accounts and zones: deploy/local/down.sh --purge deletes them with the rest.
# Check free disk first: 1,000,000 users x 10 zones is about 4 GiB of PostgreSQL data.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "${HERE}/lib.sh"
REPO="$(zones_repo_root)"
LOCAL="${ZONES_LOCAL_DIR:-${REPO}/.local}"
cd "${REPO}"

case "${1:-}" in
  -h | --help)
    sed -n '2,17p' "$0"
    exit 0
    ;;
esac

[[ -f "${LOCAL}/state.env" && -f "${LOCAL}/secrets.env" ]] || die "no local cluster: run deploy/local/up.sh first"
# shellcheck disable=SC1091
source "${LOCAL}/state.env"
# shellcheck disable=SC1091
source "${LOCAL}/secrets.env"

SILO_PID="$(cat "${LOCAL}/run/silo-1.pid" 2>/dev/null || true)"
pid_matches "${SILO_PID}" Zones.Silo.dll || die "silo-1 is not running: start the cluster with deploy/local/up.sh"
for pidfile in "${LOCAL}"/run/silo-*.pid; do
  [[ "${pidfile}" == "${LOCAL}/run/silo-1.pid" ]] && continue
  if pid_matches "$(cat "${pidfile}")" Zones.Silo.dll; then
    log "note: $(basename "${pidfile}" .pid) also runs, so activations are shared; ZONES_SILOS=1 measures one silo"
  fi
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
log "building Tests/Zones.MemoryBench (Release)"
dotnet build Tests/Zones.MemoryBench -c Release -nologo -v quiet >/dev/null || die "build failed"

exec dotnet Tests/Zones.MemoryBench/bin/Release/net10.0/Zones.MemoryBench.dll \
  --postgres "Host=127.0.0.1;Port=${PG_PORT};Username=zones;Password=${ZONES_DB_PASSWORD};Database=zones;Maximum Pool Size=200" \
  --silo-pid "${SILO_PID}" \
  --silo-metrics "http://127.0.0.1:${SILO_1_HTTP_PORT}/metrics" \
  "$@"
