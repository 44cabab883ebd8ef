#!/usr/bin/env bash
# Chaos under load: Tests/Zones.Drill users stream pings through the balancer (every ping crossing a zone's edge) and
# hold hub connections, while a schedule kills and restarts silos and an Api node and stops and starts Redis and
# PostgreSQL. Prints the drill's report: success per second (a sparkline, fault numbers under it), each fault's recovery
# time (from the fault until success per second is back at >= 99% and stays there until the next fault) and, for a
# start, the time until the node or server answered ready; failed requests; 503 UNAVAILABLE answers while PostgreSQL
# was down, counted apart as refused (a crossing cannot be acknowledged without storage; the device resends it until
# it is accepted); lost and duplicated activities (read back from the API, so from PostgreSQL). Exits 1 unless nothing
# acknowledged was lost, nothing was duplicated, no ping was given up, hub clients reconnected within 5 s and every
# fault but stop-postgres recovered before the next one.
#
#   deploy/local/chaos.sh                      the default schedule (below) against the cluster up.sh started
#   deploy/local/chaos.sh --schedule "10:kill-silo:2,25:start-silo:2,40:kill-api:1,50:start-api:1"
#   Options: --schedule S  comma-separated SECONDS:ACTION, seconds after the load starts, in order:
#                          kill-silo:N start-silo:N kill-api:N start-api:N (kill -9; start through up.sh, waits for
#                          ready), stop-redis start-redis (SIGTERM; start again), stop-postgres start-postgres
#                          (pg_ctl stop -m immediate, as a crash; start again)
#            --users 20    drill users           --tail 20   seconds of load after the last action
#            --max-failed -1   failed requests tolerated (-1: any; refused ones never count)
#            --out PATH    the JSON report (default .local/logs/chaos-<time>.json; the fault file lies next to it)
#
# A step that runs late (a start slow to be ready) moves the steps after it by as much.
# Default schedule, for the cluster that runs (a silo and an Api node only when there are two or more of them):
#   10:kill-silo:<last>,25:start-silo:<last>,40:kill-api:1,50:start-api:1,65:stop-redis,80:start-redis,
#   95:stop-postgres,105:start-postgres
# A start goes through up.sh, which would also start PostgreSQL or Redis: so no node starts while they are stopped.
# Should the script end early, it starts again whatever it stopped. Environment: ZONES_LOCAL_DIR as for up.sh;
# ZONES_SKIP_BUILD=1 uses the built drill as it is.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "${HERE}/lib.sh"
# shellcheck source=balancer.sh source-path=SCRIPTDIR
source "${HERE}/balancer.sh"
# shellcheck source=cluster.sh source-path=SCRIPTDIR
source "${HERE}/cluster.sh"

schedule=""
users=20
tail_seconds=20
max_failed=-1
out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --schedule) schedule="${2:?}"; shift ;;
    --users) users="${2:?}"; shift ;;
    --tail) tail_seconds="${2:?}"; shift ;;
    --max-failed) max_failed="${2:?}"; shift ;;
    --out) out="${2:?}"; shift ;;
    -h | --help) sed -n '2,30p' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (--schedule S, --users N, --tail S, --max-failed N, --out PATH)" ;;
  esac
  shift
done

cluster_load
# shellcheck disable=SC1091
source "${LOCAL}/secrets.env"
PG_HOME="$(zones_pg_home "${LOCAL}")"
PG_DATA="${PG_HOME}/pg"
# Where up.sh keeps PostgreSQL's log (PG_HOME itself when the postgres user cannot reach .local).
PG_LOG="${LOGS}/postgres.log"
[[ "${PG_HOME}" != "${LOCAL}" ]] && PG_LOG="${PG_HOME}/postgres.log"

if [[ -z "${schedule}" ]]; then
  parts=()
  if ((${#CLUSTER_SILOS[@]} >= 2)); then
    parts+=("10:kill-silo:${CLUSTER_SILOS[-1]}" "25:start-silo:${CLUSTER_SILOS[-1]}")
  fi
  if [[ "${BALANCER}" == "yes" ]] && ((${#CLUSTER_APIS[@]} >= 2)); then
    parts+=("40:kill-api:${CLUSTER_APIS[0]}" "50:start-api:${CLUSTER_APIS[0]}")
  fi
  parts+=(65:stop-redis 80:start-redis 95:stop-postgres 105:start-postgres)
  schedule="$(IFS=,; echo "${parts[*]}")"
fi

# Checks the whole schedule before anything happens: known actions, nodes that run, times in order, the balancer in
# front of an Api node that is killed, and no node started while PostgreSQL or Redis is stopped.
IFS=, read -r -a steps <<<"${schedule}"
[[ ${#steps[@]} -gt 0 ]] || die "empty schedule"
previous=0
pg_down=0
redis_down=0
for step in "${steps[@]}"; do
  [[ "${step}" =~ ^([0-9]+):((kill|start)-(silo|api):([0-9]+)|(stop|start)-(redis|postgres))$ ]] ||
    die "schedule step '${step}': want SECONDS:ACTION, ACTION one of kill-silo:N start-silo:N kill-api:N start-api:N stop-redis start-redis stop-postgres start-postgres"
  at="${BASH_REMATCH[1]}" action="${BASH_REMATCH[2]}"
  ((at >= previous)) || die "schedule step '${step}' comes before the one ahead of it"
  previous="${at}"
  case "${action}" in
    kill-silo:* | start-silo:*)
      printf '%s\n' "${CLUSTER_SILOS[@]}" | grep -qx "${action##*:}" || die "'${step}': silo-${action##*:} is not running now" ;;
    kill-api:* | start-api:*)
      printf '%s\n' "${CLUSTER_APIS[@]}" | grep -qx "${action##*:}" || die "'${step}': api-${action##*:} is not running now"
      [[ "${BALANCER}" == "yes" && ${#CLUSTER_APIS[@]} -ge 2 ]] || die "'${step}': needs 2 or more Api nodes behind the balancer (up.sh --apis 2)" ;;
    stop-postgres) pg_down=1 ;;
    start-postgres) pg_down=0 ;;
    stop-redis) redis_down=1 ;;
    start-redis) redis_down=0 ;;
  esac
  if [[ "${action}" == start-silo:* || "${action}" == start-api:* ]] && ((pg_down || redis_down)); then
    die "'${step}': a node starts through up.sh, which would start PostgreSQL and Redis too: start them first"
  fi
done
log "schedule: ${schedule} (then ${tail_seconds} s more load)"

stamp="$(date -u +%Y%m%d-%H%M%S)"
DRILL_OUT="${out:-${LOGS}/chaos-${stamp}.json}"
FAULTS="${DRILL_OUT%.json}.faults"
: >"${FAULTS}"

now_ms() { date +%s%3N; }
# marker KIND NAME: one line of the fault file the drill reads at its end.
marker() { echo "$(now_ms) $1 $2" >>"${FAULTS}"; }

STOPPED_REDIS=0
STOPPED_PG=0
# shellcheck disable=SC2317 # invoked by the EXIT trap
chaos_cleanup() {
  set +e
  if ((STOPPED_REDIS)); then
    log "chaos ended early: starting Redis again"
    redis_start "${LOCAL}/redis" "${REDIS_PORT}" yes "${LOGS}/redis.log" "${REDIS_PASSWORD}"
  fi
  if ((STOPPED_PG)); then
    log "chaos ended early: starting PostgreSQL again"
    pg_start "${PG_DATA}" "${PG_PORT}" "${PG_LOG}"
  fi
  drill_abort
}

node_pid() {
  local pid
  pid="$(cat "${RUN}/$1.pid" 2>/dev/null || true)"
  pid_matches "${pid}" "$2" || die "$1 is not running"
  echo "${pid}"
}

# act ACTION: does one step of the schedule and writes its markers.
act() {
  local action="$1" began
  case "${action}" in
    kill-silo:*)
      marker fault "${action}"
      kill -KILL "$(node_pid "silo-${action##*:}" Zones.Silo.dll)" ;;
    kill-api:*)
      marker fault "${action}"
      kill -KILL "$(node_pid "api-${action##*:}" Zones.Api.dll)" ;;
    start-silo:* | start-api:*)
      marker fault "${action}"
      began=${SECONDS}
      cluster_up
      marker ready "${action}"
      log "${action#start-}: ready $((SECONDS - began)) s after its start" ;;
    stop-redis)
      marker fault "${action}"
      STOPPED_REDIS=1
      redis_stop "${LOCAL}/redis" ;;
    start-redis)
      marker fault "${action}"
      redis_start "${LOCAL}/redis" "${REDIS_PORT}" yes "${LOGS}/redis.log" "${REDIS_PASSWORD}"
      STOPPED_REDIS=0
      marker ready "${action}" ;;
    stop-postgres)
      marker fault "${action}"
      STOPPED_PG=1
      as_pg "${PG_BIN}/pg_ctl" stop -D "${PG_DATA}" -m immediate -w -t 30 >/dev/null ;;
    start-postgres)
      marker fault "${action}"
      pg_start "${PG_DATA}" "${PG_PORT}" "${PG_LOG}"
      STOPPED_PG=0
      marker ready "${action}" ;;
  esac
}

# The drill resends every failed request until it is accepted, so any number of failures may be tolerated while
# nothing acknowledged may be lost. A batch a killed Api node had passed on but not answered is stored without its
# answer (HAProxy's resend reaches another node as a first attempt): reported as unacknowledged, still pushed or
# caught up, and tolerated for requests in flight at a kill-api step only. A batch whose answer died with a killed
# silo is resent by the Api, whose resend answers the events stored by the first attempt: acknowledged.
drill_start "${users}" "${max_failed}" --allow-unacknowledged --faults "${FAULTS}"
trap chaos_cleanup EXIT
log "fault file: ${FAULTS}"
# A step that took longer than the gap to the next one (a node slow to be ready) shifts the rest of the schedule by as
# much, so every fault keeps its span of load before the next.
started_ms="$(now_ms)"
first_ms="${started_ms}"
for step in "${steps[@]}"; do
  at="${step%%:*}" action="${step#*:}"
  wait_ms=$((started_ms + at * 1000 - $(now_ms)))
  if ((wait_ms > 0)); then
    sleep "$(printf '%d.%03d' $((wait_ms / 1000)) $((wait_ms % 1000)))"
  elif ((wait_ms < -500)); then
    log "the step before took $((-wait_ms / 1000)) s longer than its gap: the rest of the schedule moves by as much"
    started_ms=$((started_ms - wait_ms))
  fi
  log "t=$(((started_ms - first_ms) / 1000 + at))s ${action}"
  act "${action}"
done
log "schedule done; ${tail_seconds} s more load"
sleep "${tail_seconds}"
trap drill_abort EXIT
drill_finish
