#!/usr/bin/env bash
# Loses an Api node the hard way: kill -9 of one node behind the balancer, then starts it again. Its hub
# clients reconnect through HAProxy to another node (SignalR automatic reconnect) and catch up with
# GET /activities?from=; requests in flight on it are retried by HAProxy on another node where a resend
# is harmless (ping batches, GET).
#
#   deploy/local/kill-api.sh                    kill -9 api-1, wait --down seconds, start it again
#   deploy/local/kill-api.sh --verify           the same under load from Tests/Zones.Drill; prints its
#                                               report and exits 1 unless hub clients reconnected within
#                                               5 s, nothing stored was lost or duplicated, and every
#                                               acknowledged transition reached its client (pushed or
#                                               caught up); a stored transition whose request was in flight
#                                               on the node when it was killed is reported as unacknowledged,
#                                               not counted against it (any other unacknowledged one is)
#   Options: --node 1 (which Api node)  --down 15 (seconds before it is started again)  --users 20
#            --max-failed 0 (failed requests tolerated by --verify)
#
# Needs the balancer (up.sh --apis 2 or more). Environment: ZONES_LOCAL_DIR as for up.sh.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "${HERE}/lib.sh"
# shellcheck source=balancer.sh source-path=SCRIPTDIR
source "${HERE}/balancer.sh"
# shellcheck source=cluster.sh source-path=SCRIPTDIR
source "${HERE}/cluster.sh"

kill_options 1 "$@"

cluster_load
[[ "${BALANCER}" == "yes" && ${#CLUSTER_APIS[@]} -ge 2 ]] || die "needs 2 or more Api nodes behind the balancer: up.sh --apis 2"
pid="$(cat "${RUN}/api-${node}.pid" 2>/dev/null || true)"
pid_matches "${pid}" Zones.Api.dll || die "api-${node} is not running"

faults=""
if [[ ${verify} -eq 1 ]]; then
  # A batch the killed node had passed to the cluster but not answered is resent by HAProxy to another node, which
  # takes it for a first attempt and answers it as already applied: stored, its answer lost with the node, its event
  # still pushed or caught up. The drill tolerates only those: requests in flight at the kill the fault file records.
  faults="$(mktemp -t zones-kill-api.XXXXXX)"
  drill_start "${users}" "${max_failed}" --allow-unacknowledged --faults "${faults}"
  trap 'drill_abort; rm -f "${faults}"' EXIT
  log "drill warming up for 10 s"
  sleep 10
fi

log "kill -9 api-${node} (pid ${pid})"
[[ -z "${faults}" ]] || echo "$(date +%s%3N) fault kill-api:${node}" >>"${faults}"
kill -KILL "${pid}"
killed=${SECONDS}
balancer_wait "api-${node}" DOWN 10 || true
log "balancer took api-${node} out $((SECONDS - killed))s after the kill; it stays down for ${down}s"
sleep "${down}"
cluster_up
log "api-${node} is back behind the balancer"

if [[ ${verify} -eq 1 ]]; then
  sleep 5
  drill_finish
fi
