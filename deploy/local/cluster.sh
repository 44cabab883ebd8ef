# shellcheck shell=bash
# What rolling-restart.sh and kill-api.sh share: the running cluster's layout, restarting one node
# through up.sh, and the drill (Tests/Zones.Drill) that loads the cluster while they work. Sourced.

REPO="$(zones_repo_root)"
LOCAL="${ZONES_LOCAL_DIR:-${REPO}/.local}"
RUN="${LOCAL}/run"
LOGS="${LOCAL}/logs"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# cluster_load: reads state.env and finds the running nodes: CLUSTER_SILOS and CLUSTER_APIS (their
# numbers), CLUSTER_ENVIRONMENT (the nodes' ASPNETCORE_ENVIRONMENT).
cluster_load() {
  [[ -f "${LOCAL}/state.env" ]] || die "no local cluster in ${LOCAL}: run deploy/local/up.sh first"
  BALANCER=no
  # shellcheck disable=SC1091
  source "${LOCAL}/state.env"
  CLUSTER_SILOS=()
  CLUSTER_APIS=()
  local f n
  for f in "${RUN}"/silo-*.pid; do
    [[ -e "${f}" ]] || continue
    n="$(basename "${f}" .pid)"
    pid_matches "$(cat "${f}")" Zones.Silo.dll && CLUSTER_SILOS+=("${n#silo-}")
  done
  for f in "${RUN}"/api-*.pid; do
    [[ -e "${f}" ]] || continue
    n="$(basename "${f}" .pid)"
    pid_matches "$(cat "${f}")" Zones.Api.dll && CLUSTER_APIS+=("${n#api-}")
  done
  [[ ${#CLUSTER_SILOS[@]} -gt 0 && ${#CLUSTER_APIS[@]} -gt 0 ]] || die "the cluster is not running: deploy/local/up.sh"
  mapfile -t CLUSTER_SILOS < <(printf '%s\n' "${CLUSTER_SILOS[@]}" | sort -n)
  mapfile -t CLUSTER_APIS < <(printf '%s\n' "${CLUSTER_APIS[@]}" | sort -n)
  CLUSTER_ENVIRONMENT="$(tr '\0' '\n' <"/proc/$(cat "${RUN}/silo-${CLUSTER_SILOS[0]}.pid")/environ" 2>/dev/null |
    sed -n 's/^ASPNETCORE_ENVIRONMENT=//p' || true)"
  log "cluster: silos ${CLUSTER_SILOS[*]}, Api nodes ${CLUSTER_APIS[*]}, balancer ${BALANCER}, ${CLUSTER_ENVIRONMENT:-Production}"
}

# cluster_up: up.sh with the layout that runs, so it starts exactly the nodes that are missing and waits
# until they are ready (and UP behind the balancer). Its output goes to logs/rolling-restart.log.
cluster_up() {
  local args=(--silos "${CLUSTER_SILOS[-1]}" --apis "${CLUSTER_APIS[-1]}")
  [[ "${BALANCER}" == "yes" ]] && args+=(--balancer)
  ZONES_SKIP_BUILD=1 ZONES_ENVIRONMENT="${CLUSTER_ENVIRONMENT:-Production}" "${HERE}/up.sh" "${args[@]}" \
    >>"${LOGS}/rolling-restart.log" 2>&1 || die "up.sh failed; see ${LOGS}/rolling-restart.log"
}

# cluster_restart NAME DLL: SIGTERM, wait for the exit (SIGKILL after 90 s), start again, wait until ready.
cluster_restart() {
  local name="$1" dll="$2" pid began
  pid="$(cat "${RUN}/${name}.pid" 2>/dev/null || true)"
  pid_matches "${pid}" "${dll}" || die "${name} is not running"
  began=${SECONDS}
  stop_pid "${pid}" "${name}" 90
  cluster_up
  log "${name} restarted in $((SECONDS - began))s"
}

DRILL_PID=""
DRILL_DIR=""

# drill_start USERS MAX_FAILED [DRILL OPTIONS...]: builds Tests/Zones.Drill (only that tool; not with ZONES_SKIP_BUILD=1)
# and starts it in the background against the public URL until drill_finish. Its JSON report goes to DRILL_OUT (default
# logs/drill-<time>.json).
drill_start() {
  local users="$1" max_failed="$2" dll="${REPO}/Tests/Zones.Drill/bin/Release/net10.0/Zones.Drill.dll"
  shift 2
  if [[ "${ZONES_SKIP_BUILD:-0}" != "1" || ! -f "${dll}" ]]; then
    log "dotnet build Tests/Zones.Drill -c Release"
    dotnet build "${REPO}/Tests/Zones.Drill" -c Release -nologo -v quiet >/dev/null || die "build of Tests/Zones.Drill failed"
  fi
  DRILL_DIR="$(mktemp -d -t zones-drill.XXXXXX)"
  DRILL_OUT="${DRILL_OUT:-${LOGS}/drill-$(date -u +%Y%m%d-%H%M%S).json}"
  log "drill report (JSON): ${DRILL_OUT}"
  dotnet "${dll}" --api "http://127.0.0.1:${API_PORT}" \
    --users "${users}" --seconds 3600 --stop-file "${DRILL_DIR}/stop" --ready-file "${DRILL_DIR}/ready" --max-failed "${max_failed}" "$@" \
    --out "${DRILL_OUT}" &
  DRILL_PID=$!
  trap 'drill_abort' EXIT
  local deadline=$((SECONDS + 120))
  until [[ -f "${DRILL_DIR}/ready" ]]; do
    kill -0 "${DRILL_PID}" 2>/dev/null || die "the drill ended before it started sending"
    ((SECONDS < deadline)) || die "the drill did not start sending within 120 s"
    sleep 0.5
  done
}

# shellcheck disable=SC2317 # invoked by the EXIT trap
drill_abort() {
  if [[ -n "${DRILL_PID}" ]] && kill -0 "${DRILL_PID}" 2>/dev/null; then
    touch "${DRILL_DIR}/stop"
    wait "${DRILL_PID}" || true
  fi
  [[ -n "${DRILL_DIR}" ]] && rm -rf "${DRILL_DIR}"
}

# drill_finish: tells the drill to stop, waits for its report, and exits with its verdict.
drill_finish() {
  touch "${DRILL_DIR}/stop"
  local rc=0
  wait "${DRILL_PID}" || rc=$?
  DRILL_PID=""
  rm -rf "${DRILL_DIR}"
  exit "${rc}"
}

# kill_options DEFAULT_NODE "$@": the options kill-api.sh and kill-silo.sh share; sets verify, node, down, users and
# max_failed. --help prints the calling script's header (its lines 2-18).
kill_options() {
  verify=0
  node="$1"
  down=15
  users=20
  max_failed=0
  shift
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --verify) verify=1 ;;
      --node) node="${2:?}"; shift ;;
      --down) down="${2:?}"; shift ;;
      --users) users="${2:?}"; shift ;;
      --max-failed) max_failed="${2:?}"; shift ;;
      -h | --help) sed -n '2,18p' "$0"; exit 0 ;;
      *) die "unknown argument '$1' (--verify, --node N, --down S, --users N, --max-failed N)" ;;
    esac
    shift
  done
}
