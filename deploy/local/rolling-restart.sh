#!/usr/bin/env bash
# Restarts every node of the cluster that deploy/local/up.sh started, one at a time, without failing a
# request: each silo (SIGTERM: it leaves the cluster and hands its grains over; wait for it to exit; start
# it again; wait for /health/ready; then a settle time so every Api node's Orleans client has the new
# silo among its gateways before the next one goes), then each Api node (SIGTERM: readiness turns 503,
# HAProxy takes it out within a second, it keeps serving for Shutdown:DrainDelay, closes its hub
# connections so their clients reconnect to another node, finishes the requests in flight and exits;
# start it again; wait until HAProxy has it UP again).
#
#   deploy/local/rolling-restart.sh                 restart every node
#   deploy/local/rolling-restart.sh --verify        the same under load: Tests/Zones.Drill users stream
#                                                   pings through the balancer and hold hub connections
#                                                   during the restart; prints its report (failed requests,
#                                                   lost and duplicated activities, hub reconnects) and
#                                                   exits 1 unless every figure is clean
#   Options: --users 20 (drill users)  --settle 15 (seconds after each silo)  --only silos|apis
#
# Needs the balancer for the Api nodes (up.sh --apis 2, or --balancer): without it an Api node's restart
# refuses connections while it is down. The output of each up.sh run goes to .local/logs/rolling-restart.log.
# Environment: ZONES_LOCAL_DIR as for up.sh.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "${HERE}/lib.sh"
# shellcheck source=balancer.sh source-path=SCRIPTDIR
source "${HERE}/balancer.sh"
# shellcheck source=cluster.sh source-path=SCRIPTDIR
source "${HERE}/cluster.sh"

verify=0
users=20
settle=15
only=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --verify) verify=1 ;;
    --users) users="${2:?}"; shift ;;
    --settle) settle="${2:?}"; shift ;;
    --only) only="${2:?}"; shift ;;
    -h | --help) sed -n '2,23p' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (--verify, --users N, --settle S, --only silos|apis)" ;;
  esac
  shift
done

cluster_load
[[ "${BALANCER}" == "yes" ]] || log "WARNING: no balancer in front of the Api (up.sh --apis 2 or --balancer): its restart will refuse requests"

if [[ ${verify} -eq 1 ]]; then
  drill_start "${users}" 0
  log "drill warming up for 10 s before the first restart"
  sleep 10
fi

started=${SECONDS}
if [[ "${only}" != "apis" ]]; then
  for i in "${CLUSTER_SILOS[@]}"; do
    cluster_restart "silo-${i}" Zones.Silo.dll
    log "settling ${settle}s: the Api nodes' Orleans clients refresh their gateway list"
    sleep "${settle}"
  done
fi
if [[ "${only}" != "silos" ]]; then
  for i in "${CLUSTER_APIS[@]}"; do
    cluster_restart "api-${i}" Zones.Api.dll
  done
fi
log "rolling restart done in $((SECONDS - started))s: ${#CLUSTER_SILOS[@]} silos, ${#CLUSTER_APIS[@]} Api nodes"

if [[ ${verify} -eq 1 ]]; then
  log "drill goes on for 10 s after the last restart"
  sleep 10
  drill_finish
fi
