#!/usr/bin/env bash
# Stops exactly what deploy/local/up.sh started, by the pids it recorded: HAProxy and the
# Api nodes first (the edge stops taking requests), then the silos (SIGTERM, so each leaves
# the cluster gracefully), then Redis and PostgreSQL (pg_ctl stop -m fast). Data stays in
# <repo>/.local, so zones and presence survive down/up.
#
#   deploy/local/down.sh          stop
#   deploy/local/down.sh --purge  stop, then delete <repo>/.local (data, logs, secrets)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "${HERE}/lib.sh"
# shellcheck source=balancer.sh source-path=SCRIPTDIR
source "${HERE}/balancer.sh"
REPO="$(zones_repo_root)"
LOCAL="${ZONES_LOCAL_DIR:-${REPO}/.local}"

purge=0
case "${1:-}" in
  "") ;;
  --purge) purge=1 ;;
  -h | --help)
    sed -n '2,8p' "$0"
    exit 0
    ;;
  *) die "unknown argument '$1' (use --purge or nothing)" ;;
esac

if [[ ! -d "${LOCAL}" ]]; then
  log "nothing to stop: ${LOCAL} does not exist"
  exit 0
fi

RUN="${LOCAL}/run"
SILO_TIMEOUT="${ZONES_STOP_TIMEOUT:-60}"

balancer_stop

# stop_all KIND DLL TIMEOUT: SIGTERM to every recorded KIND-<n> (and KIND) at once, then waits for
# each, so stopping N nodes takes about as long as one; each still stops gracefully.
stop_all() {
  local kind="$1" dll="$2" timeout="$3" pidfile pid name entry
  local pids=()
  for pidfile in "${RUN}/${kind}".pid "${RUN}/${kind}"-*.pid; do
    [[ -e "${pidfile}" ]] || continue
    pid="$(cat "${pidfile}" 2>/dev/null || true)"
    name="$(basename "${pidfile}" .pid)"
    if pid_matches "${pid}" "${dll}"; then
      log "stopping ${name} (pid ${pid}, SIGTERM)"
      kill -TERM "${pid}" 2>/dev/null || true
      pids+=("${pid}:${name}")
    fi
  done
  for entry in "${pids[@]}"; do
    wait_exit "${entry%%:*}" "${entry#*:}" "${timeout}"
  done
  rm -f "${RUN}/${kind}".pid "${RUN}/${kind}"-*.pid
}

stop_all api Zones.Api.dll 30
stop_all silo Zones.Silo.dll "${SILO_TIMEOUT}"

# shellcheck source=monitoring.sh source-path=SCRIPTDIR
source "${HERE}/monitoring.sh"
monitoring_stop "${LOCAL}"
redis_stop "${LOCAL}/redis"
PG_HOME="$(zones_pg_home "${LOCAL}")"
pg_stop "${PG_HOME}/pg"
log "stopped"

if [[ ${purge} -eq 1 ]]; then
  # Only a folder that up.sh made (it leaves this marker) is ever deleted.
  [[ -f "${LOCAL}/.zones-local" ]] || die "${LOCAL} has no .zones-local marker; not deleting it"
  log "purging ${LOCAL}"
  rm -rf -- "${LOCAL}"
  if [[ "${PG_HOME}" != "${LOCAL}" ]]; then
    log "purging ${PG_HOME}"
    rm -rf -- "${PG_HOME}"
  fi
fi
