#!/usr/bin/env bash
# Loses a silo the hard way: kill -9 of one silo, then starts it again. The survivors declare it dead in
# about two seconds and its users' grains reactivate on them from stored presence; the Api resends ping
# batches whose answer was lost with it (a resend is harmless by design) and answers other calls caught
# in flight with 503 UNAVAILABLE within 2 s (docs/operations.md, "Failover").
#
#   deploy/local/kill-silo.sh                   kill -9 silo-2, wait --down seconds, start it again
#   deploy/local/kill-silo.sh --verify          the same under load from Tests/Zones.Drill; prints its
#                                               report (failed requests, slowest request, seconds with a
#                                               failure, lost and duplicated transitions) and exits 1 unless
#                                               at most --max-failed requests failed and nothing stored was
#                                               lost, duplicated or unacknowledged (a batch whose answer
#                                               died with the killed silo is resent by the Api, and the
#                                               resend answers the events the first attempt stored)
#   Options: --node 2 (which silo)  --down 15 (seconds before it is started again)  --users 20
#            --max-failed 0 (failed requests tolerated by --verify)
#
# Needs 2 or more silos (up.sh --silos 3). Environment: ZONES_LOCAL_DIR as for up.sh.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "${HERE}/lib.sh"
# shellcheck source=balancer.sh source-path=SCRIPTDIR
source "${HERE}/balancer.sh"
# shellcheck source=cluster.sh source-path=SCRIPTDIR
source "${HERE}/cluster.sh"

kill_options 2 "$@"

cluster_load
[[ ${#CLUSTER_SILOS[@]} -ge 2 ]] || die "needs 2 or more silos: up.sh --silos 3"
pid="$(cat "${RUN}/silo-${node}.pid" 2>/dev/null || true)"
pid_matches "${pid}" Zones.Silo.dll || die "silo-${node} is not running"

if [[ ${verify} -eq 1 ]]; then
  drill_start "${users}" "${max_failed}"
  log "drill warming up for 10 s"
  sleep 10
fi

log "kill -9 silo-${node} (pid ${pid})"
kill -KILL "${pid}"
log "silo-${node} stays down for ${down}s"
sleep "${down}"
cluster_up
log "silo-${node} is back"

if [[ ${verify} -eq 1 ]]; then
  sleep 5
  drill_finish
fi
