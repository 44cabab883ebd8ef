#!/usr/bin/env bash
# Starts a local Zones cluster on this machine: PostgreSQL + PostGIS, Redis, N silos and
# M Api nodes (behind HAProxy when M > 1 or --balancer), all on 127.0.0.1. Run as root on
# Debian 12 (or as a user with sudo).
#
#   deploy/local/up.sh                      start (or reuse) everything; prints the Api URL
#   deploy/local/up.sh --silos 3 --apis 2   3 silos, 2 Api nodes behind HAProxy (the URL printed is its)
#   deploy/local/up.sh --balancer           one Api node, still behind HAProxy
#   deploy/local/up.sh --monitoring         also Prometheus scraping every node, with the alert rules (monitoring.sh)
#   deploy/local/rolling-restart.sh         restart every node, one at a time, without failing a request
#   deploy/local/down.sh                    stop what up.sh started (HAProxy too); data stays
#   deploy/local/down.sh --purge            stop and delete the data too
#
# The balancer: Debian's haproxy (installed when missing), run as a plain process with the
# config it generates in .local/haproxy.cfg. It proxies HTTP and the hub's WebSockets, checks
# every node's /health/ready each second (out after 1 failure, back after 2 successes), and
# retries a request whose connection failed on another node. A stopping Api node answers 503
# on /health/ready at once and keeps serving for Shutdown:DrainDelay (3 s) before it stops
# accepting, so HAProxy has taken it out by then. Its stats page (server states, as CSV with
# ;csv) is on BALANCER_STATS_PORT. Rerunning with more --apis or --silos adds nodes (and
# reloads HAProxy); going from the direct layout to the balanced one needs down.sh first.
#
# Everything lives under <repo>/.local/ (git-ignored; ZONES_LOCAL_DIR moves it):
#   state.env     ports chosen on the first run, reused by every later run
#   secrets.env   generated passwords and the JWT signing key (mode 0600)
#   pg/ redis/    PostgreSQL data directory, Redis directory (append-only file)
#   images/       uploaded profile and zone images (Images:Directory; shared by every Api node)
#   logs/         postgres.log, redis.log, silo-1.log ..., api-1.log ..., haproxy.log (stdout);
#                 silo-1/ ... api-1/: each node's rolling combined-*.log and error-*.log
#   run/          silo-1.pid ..., api-1.pid ..., haproxy.pid
#   haproxy.cfg   the balancer's generated config (with --apis > 1 or --balancer)
#
# Rerun: whatever already runs (recorded pid alive) is reused, not restarted. The Release
# build runs only when no silo or Api process is running, since rebuilding would
# overwrite the assemblies they have loaded; to pick up code changes, down.sh then up.sh
# (or ZONES_SKIP_BUILD=1 to never build).
#
# Environment overrides:
#   ZONES_API_PORT      the public HTTP port: the balancer's, or the one Api node's without it
#                       (default: 5080 if free, else a free one; remembered as API_PORT in state.env;
#                       each node's own port is API_<n>_PORT)
#   ZONES_SILOS         number of silos (default 2; --silos N)
#   ZONES_APIS          number of Api nodes (default 1; --apis M)
#   ZONES_ENVIRONMENT   ASPNETCORE_ENVIRONMENT for the nodes (default Production; --dev = Development)
#   ZONES_READY_TIMEOUT seconds to wait for each node's /health/ready (default 120)
#   ZONES_SKIP_BUILD=1  never build; start from the existing Release output
#   ZONES_LOCAL_DIR     where the data lives (default <repo>/.local)
#   ZONES_LIMIT_LOOPBACK=1  apply the Api's per-IP rate limits to 127.0.0.1 too (by default loopback is
#                       exempt: every client of this cluster is on this machine, and the benchmarks seed
#                       hundreds of users and thousands of zones from one address). Per-account and
#                       per-user limits apply either way; RateLimits__Enabled=false switches all off.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "${HERE}/lib.sh"
# shellcheck source=balancer.sh source-path=SCRIPTDIR
source "${HERE}/balancer.sh"
REPO="$(zones_repo_root)"
LOCAL="${ZONES_LOCAL_DIR:-${REPO}/.local}"
cd "${REPO}"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

SILOS="${ZONES_SILOS:-2}"
APIS="${ZONES_APIS:-1}"
BALANCER=no
MONITORING=0
READY_TIMEOUT="${ZONES_READY_TIMEOUT:-120}"
ENVIRONMENT="${ZONES_ENVIRONMENT:-Production}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --dev) ENVIRONMENT=Development ;;
    --silos) SILOS="${2:-}"; shift ;;
    --silos=*) SILOS="${1#*=}" ;;
    --apis) APIS="${2:-}"; shift ;;
    --apis=*) APIS="${1#*=}" ;;
    --balancer) BALANCER=yes ;;
    --monitoring) MONITORING=1 ;;
    -h | --help) sed -n '2,36p' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (--silos N, --apis M, --balancer, --monitoring, --dev)" ;;
  esac
  shift
done
[[ "${SILOS}" =~ ^[1-9][0-9]*$ ]] || die "the number of silos (--silos, ZONES_SILOS) must be a positive number, got '${SILOS}'"
[[ "${APIS}" =~ ^[1-9][0-9]*$ ]] || die "the number of Api nodes (--apis, ZONES_APIS) must be a positive number, got '${APIS}'"
((APIS > 1)) && BALANCER=yes

SILO_DIR="${REPO}/Silo/bin/Release/net10.0"
API_DIR="${REPO}/Api/bin/Release/net10.0"
SILO_DLL="Zones.Silo.dll"
API_DLL="Zones.Api.dll"

# ------------------------------------------------------------------------ folders
if [[ "${BALANCER}" == "yes" ]]; then
  ensure_packages haproxy
else
  ensure_packages
fi

mkdir -p "${LOCAL}/logs" "${LOCAL}/run" "${LOCAL}/redis"
# down.sh --purge deletes only a folder that carries this marker.
touch "${LOCAL}/.zones-local"
# The postgres OS user must traverse .local to reach pg/ (which itself stays 0700).
chmod 755 "${LOCAL}"

# ------------------------------------------------------------------------ secrets
SECRETS="${LOCAL}/secrets.env"
if [[ ! -f "${SECRETS}" ]]; then
  log "generating ${SECRETS} (database passwords, JWT signing key)"
  (
    umask 077
    {
      echo "# Generated by deploy/local/up.sh for this machine only. Never commit."
      echo "PG_SUPERUSER_PASSWORD=$(random_secret 24)"
      echo "ZONES_DB_PASSWORD=$(random_secret 24)"
      # 48 random bytes, base64: well over the 32 bytes HMAC-SHA256 wants.
      echo "JWT_SIGNING_KEY=$(head -c 48 /dev/urandom | base64 -w0)"
    } >"${SECRETS}"
  )
fi
# Secrets added after a machine's secrets.env was first written are appended once.
for secret in ZONES_API_DB_PASSWORD REDIS_PASSWORD; do
  grep -q "^${secret}=" "${SECRETS}" || echo "${secret}=$(random_secret 24)" >>"${SECRETS}"
done
# shellcheck disable=SC1090
source "${SECRETS}"
: "${PG_SUPERUSER_PASSWORD:?missing in ${SECRETS}}" "${ZONES_DB_PASSWORD:?}" "${JWT_SIGNING_KEY:?}" \
  "${ZONES_API_DB_PASSWORD:?}" "${REDIS_PASSWORD:?}"

# -------------------------------------------------------------------------- state
STATE="${LOCAL}/state.env"
# Only state.env decides remembered ports, never a same-named variable from outside.
unset PG_PORT REDIS_PORT API_PORT BALANCER_STATS_PORT
for name in $(compgen -v | grep -E '^(SILO|API)_[0-9]+_' || true); do
  unset "${name}"
done
WANT_BALANCER="${BALANCER}"
if [[ -f "${STATE}" ]]; then
  # shellcheck disable=SC1090
  source "${STATE}"
fi
# The layout asked for now, not the remembered one (what already runs may still keep the balancer, below).
BALANCER="${WANT_BALANCER}"

REDIS_DIR="${LOCAL}/redis"
LOGS="${LOCAL}/logs"
RUN="${LOCAL}/run"
PG_HOME="$(zones_pg_home "${LOCAL}")"
PG_DATA="${PG_HOME}/pg"
PG_LOG="${LOGS}/postgres.log"
if [[ "${PG_HOME}" != "${LOCAL}" ]]; then
  # The postgres user cannot reach .local here: its files live in PG_HOME, and .local/logs links to its log.
  mkdir -p "${PG_HOME}"
  chown postgres:postgres "${PG_HOME}"
  chmod 700 "${PG_HOME}"
  PG_LOG="${PG_HOME}/postgres.log"
  ln -sfn "${PG_LOG}" "${LOGS}/postgres.log"
fi

pid_of() { cat "${RUN}/$1.pid" 2>/dev/null || true; }
silo_alive() { pid_matches "$(pid_of "silo-$1")" "${SILO_DLL}"; }
api_alive() { pid_matches "$(pid_of "api-$1")" "${API_DLL}"; }
haproxy_alive() { pid_matches "$(pid_of haproxy)" haproxy; }
# An Api node started by an older up.sh (run/api.pid) is api-1 now.
if [[ -f "${RUN}/api.pid" && ! -f "${RUN}/api-1.pid" ]]; then
  mv "${RUN}/api.pid" "${RUN}/api-1.pid"
fi
# The layout of what runs now: an Api node alive on API_PORT itself means no balancer in front.
if api_alive 1 && [[ -n "${API_PORT:-}" && "${API_1_PORT:-${API_PORT}}" == "${API_PORT}" && "${BALANCER}" == "yes" ]]; then
  die "the Api runs without a balancer on port ${API_PORT}: run ${HERE}/down.sh first to put HAProxy in front"
fi
if haproxy_alive && [[ "${BALANCER}" == "no" ]]; then
  log "HAProxy already runs in front of the Api nodes: keeping the balancer"
  BALANCER=yes
fi
redis_alive() { pid_matches "$(cat "${REDIS_DIR}/redis.pid" 2>/dev/null || true)" redis-server; }

# keep_or_pick VAR RUNNING [PREFERRED]: a port for VAR. While its service runs, the
# remembered port stays. Otherwise the remembered port is reused if it is still free,
# else a new free one is chosen (PREFERRED first) and the change is said.
keep_or_pick() {
  local var="$1" running="$2" preferred="${3:-}" current="${!1:-}"
  if [[ -n "${current}" ]]; then
    if [[ "${running}" == "yes" ]] || ! port_in_use "${current}"; then
      reserve_port "${current}"
      return 0
    fi
    log "port ${current} remembered for ${var} is taken by another program; choosing another"
  fi
  free_port "${var}" "${preferred}"
}

running=no
if pg_running "${PG_DATA}" 2>/dev/null; then
  running=yes
  PG_PORT="$(pg_running_port "${PG_DATA}")"
fi
keep_or_pick PG_PORT "${running}"

running=no
redis_alive && running=yes
keep_or_pick REDIS_PORT "${running}"

running=no
if [[ "${BALANCER}" == "yes" ]]; then haproxy_alive && running=yes; else api_alive 1 && running=yes; fi
if [[ -n "${ZONES_API_PORT:-}" ]]; then
  if [[ "${running}" == "yes" ]]; then
    if [[ "${ZONES_API_PORT}" != "${API_PORT:-}" ]]; then
      log "the Api already answers on port ${API_PORT}; ZONES_API_PORT=${ZONES_API_PORT} applies after down.sh"
    fi
  else
    if port_in_use "${ZONES_API_PORT}"; then
      die "ZONES_API_PORT=${ZONES_API_PORT} is in use by another program"
    fi
    API_PORT="${ZONES_API_PORT}"
  fi
fi
keep_or_pick API_PORT "${running}" 5080

# Each Api node's own port: the public one itself without a balancer, else one of its own.
for ((i = 1; i <= APIS; i++)); do
  var="API_${i}_PORT"
  if [[ "${BALANCER}" == "no" ]]; then
    printf -v "${var}" '%s' "${API_PORT}"
    continue
  fi
  [[ "${!var:-}" == "${API_PORT}" ]] && unset "${var}"
  running=no
  api_alive "${i}" && running=yes
  keep_or_pick "${var}" "${running}" $((5080 + i))
done
if [[ "${BALANCER}" == "yes" ]]; then
  running=no
  haproxy_alive && running=yes
  keep_or_pick BALANCER_STATS_PORT "${running}" 5079
fi

for ((i = 1; i <= SILOS; i++)); do
  running=no
  silo_alive "${i}" && running=yes
  keep_or_pick "SILO_${i}_PORT" "${running}" $((11110 + i))
  keep_or_pick "SILO_${i}_GATEWAY_PORT" "${running}" $((29999 + i))
  keep_or_pick "SILO_${i}_HTTP_PORT" "${running}" $((5180 + i))
done

write_state() {
  local tmp="${STATE}.tmp" name
  {
    echo "# Ports chosen by deploy/local/up.sh on this machine; reused by every rerun."
    echo "PG_PORT=${PG_PORT}"
    echo "REDIS_PORT=${REDIS_PORT}"
    echo "API_PORT=${API_PORT}"
    echo "BALANCER=${BALANCER}"
    [[ -n "${BALANCER_STATS_PORT:-}" ]] && echo "BALANCER_STATS_PORT=${BALANCER_STATS_PORT}"
    # Every silo and Api node ever configured, so a later run with fewer still stops them all.
    for name in $(compgen -v | grep -E '^(SILO_[0-9]+_(PORT|GATEWAY_PORT|HTTP_PORT)|API_[0-9]+_PORT)$' | sort -V); do
      echo "${name}=${!name}"
    done
  } >"${tmp}"
  mv "${tmp}" "${STATE}"
}
write_state

# --------------------------------------------------------------------- PostgreSQL
# scram-sha-256 for every connection: this cluster keeps data across runs and other
# local users could otherwise reach it on loopback.
pg_init "${PG_DATA}" scram "${PG_SUPERUSER_PASSWORD}"
pg_start "${PG_DATA}" "${PG_PORT}" "${PG_LOG}"
export PGPASSWORD="${PG_SUPERUSER_PASSWORD}"

# The zones role owns the zones database; PostGIS is created up front by the superuser
# so a non-superuser silo's migration finds it (CREATE EXTENSION IF NOT EXISTS is then a
# no-op). All idempotent: reruns change nothing but keep the password in step.
log "ensuring role zones, database zones and the postgis extension"
pg_psql "${PG_PORT}" postgres -v pw="${ZONES_DB_PASSWORD}" -v api_pw="${ZONES_API_DB_PASSWORD}" <<'SQL'
SELECT 'CREATE ROLE zones LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'zones')\gexec
ALTER ROLE zones LOGIN PASSWORD :'pw';
SELECT 'CREATE DATABASE zones OWNER zones' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'zones')\gexec
SELECT 'CREATE ROLE zones_api LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'zones_api')\gexec
ALTER ROLE zones_api LOGIN PASSWORD :'api_pw';
REVOKE ALL ON DATABASE zones FROM PUBLIC;
GRANT CONNECT ON DATABASE zones TO zones, zones_api;
SQL
pg_psql "${PG_PORT}" zones -c "CREATE EXTENSION IF NOT EXISTS postgis;"
postgis_version="$(pg_psql "${PG_PORT}" zones -Atc "SELECT extversion FROM pg_extension WHERE extname = 'postgis'")"
log "database zones ready (PostGIS ${postgis_version})"

# -------------------------------------------------------------------------- Redis
redis_start "${REDIS_DIR}" "${REDIS_PORT}" yes "${LOGS}/redis.log" "${REDIS_PASSWORD}"

# -------------------------------------------------------------------------- build
need_start=0
any_running=0
for ((i = 1; i <= SILOS; i++)); do
  if silo_alive "${i}"; then any_running=1; else need_start=1; fi
done
for ((i = 1; i <= APIS; i++)); do
  if api_alive "${i}"; then any_running=1; else need_start=1; fi
done

if [[ ${need_start} -eq 0 ]]; then
  log "all ${SILOS} silos and ${APIS} Api nodes already run: nothing to build or start"
elif [[ "${ZONES_SKIP_BUILD:-0}" == "1" ]]; then
  log "ZONES_SKIP_BUILD=1: starting from the existing Release output"
elif [[ ${any_running} -eq 1 ]]; then
  log "some nodes already run from the current build output: build skipped (down.sh, then up.sh, to rebuild)"
else
  log "dotnet build Zones.sln -c Release"
  dotnet build Zones.sln -c Release -nologo -v quiet || die "build failed"
fi

# -------------------------------------------------------------------------- nodes
COMMON_ENV=(
  "ASPNETCORE_ENVIRONMENT=${ENVIRONMENT}"
  "ConnectionStrings__Postgres=Host=127.0.0.1;Port=${PG_PORT};Username=zones;Password=${ZONES_DB_PASSWORD};Database=zones"
  "ConnectionStrings__Redis=127.0.0.1:${REDIS_PORT},password=${REDIS_PASSWORD}"
  "Orleans__ClusterId=zones-local"
  "Orleans__ServiceId=zones"
  "Jwt__SigningKey=${JWT_SIGNING_KEY}"
  "Jwt__Issuer=zones"
  "Jwt__Audience=zones-clients"
)

# start_node NAME DIR DLL VAR=VALUE...: starts `dotnet DLL` in DIR in its own session
# (setsid, so it outlives this script and a Ctrl-C here), appending to logs/NAME.log.
# The pid is written by the process itself before it execs dotnet, so it is exact.
start_node() {
  local name="$1" dir="$2" dll="$3"
  shift 3
  [[ -f "${dir}/${dll}" ]] || die "${dir}/${dll} not found: build first (dotnet build Zones.sln -c Release)"
  local logfile="${LOGS}/${name}.log" pidfile="${RUN}/${name}.pid"
  echo "===== ${name} starting $(date -u +%Y-%m-%dT%H:%M:%SZ) =====" >>"${logfile}"
  rm -f "${pidfile}"
  # The outer subshell exits at once, so the node is not this script's child and bash
  # reports nothing when it ends.
  (
    (
      cd "${dir}"
      # shellcheck disable=SC2016
      # Logs__Directory: the node's rolling combined-*.log and error-*.log (logs/NAME/).
      exec setsid env "${COMMON_ENV[@]}" "Logs__Directory=${LOGS}/${name}" "$@" bash -c 'echo $$ >"$0"; exec dotnet "$1"' \
        "${pidfile}" "${dll}" </dev/null >>"${logfile}" 2>&1
    ) &
  )
  local deadline=$((SECONDS + 10))
  until [[ -s "${pidfile}" ]] && pid_matches "$(cat "${pidfile}")" "${dll}"; do
    ((SECONDS < deadline)) || die "${name} did not start; see ${logfile}"
    sleep 0.1
  done
  log "started ${name} (pid $(cat "${pidfile}"), log ${logfile})"
}

# Prints this run's part of a node's log (from the last start marker), at most 40 lines.
show_log() {
  local logfile="${LOGS}/$1.log"
  log "last lines of ${logfile}:"
  awk '/^===== .* starting /{buf=""} {buf=buf $0 "\n"} END{printf "%s", buf}' "${logfile}" | tail -n 40 >&2 || true
}

# wait_ready NAME URL: polls URL/health/ready until 200; fails early if the process
# exits, and shows the end of its log either way.
wait_ready() {
  local name="$1" url="$2/health/ready"
  local deadline=$((SECONDS + READY_TIMEOUT)) pid
  pid="$(pid_of "${name}")"
  log "waiting up to ${READY_TIMEOUT}s for ${name} at ${url}"
  until http_ok "${url}"; do
    if ! kill -0 "${pid}" 2>/dev/null; then
      log "${name} (pid ${pid}) exited before it was ready"
      show_log "${name}"
      return 1
    fi
    if ((SECONDS >= deadline)); then
      log "${name} not ready after ${READY_TIMEOUT}s"
      show_log "${name}"
      return 1
    fi
    sleep 0.5
  done
  log "ready: ${name} (${url})"
}

failed=0
for ((i = 1; i <= SILOS; i++)); do
  if silo_alive "${i}"; then
    log "silo-${i} already runs (pid $(pid_of "silo-${i}")): reused"
    continue
  fi
  port_var="SILO_${i}_PORT" gw_var="SILO_${i}_GATEWAY_PORT" http_var="SILO_${i}_HTTP_PORT"
  start_node "silo-${i}" "${SILO_DIR}" "${SILO_DLL}" \
    "Orleans__SiloPort=${!port_var}" \
    "Orleans__GatewayPort=${!gw_var}" \
    "Orleans__AdvertisedIP=127.0.0.1" \
    "ASPNETCORE_URLS=http://127.0.0.1:${!http_var}"
done
# The silos start together (migrations run under an advisory lock); the Api starts once
# they are ready, so it finds gateways at once.
for ((i = 1; i <= SILOS; i++)); do
  http_var="SILO_${i}_HTTP_PORT"
  wait_ready "silo-${i}" "http://127.0.0.1:${!http_var}" || failed=1
done

# The Api reads only Orleans' membership (its gateway list) and answers /health with SELECT 1: its role
# zones_api may read the three tables that needs and nothing else. The silos' migrations created them.
if [[ ${failed} -eq 0 ]]; then
  log "granting zones_api read access to the Orleans membership tables"
  pg_psql "${PG_PORT}" zones <<'SQL' || failed=1
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO zones_api;
GRANT SELECT ON orleansquery, orleansmembershiptable, orleansmembershipversiontable TO zones_api;
SQL
fi

if [[ ${failed} -eq 0 ]]; then
  api_env=("ConnectionStrings__Postgres=Host=127.0.0.1;Port=${PG_PORT};Username=zones_api;Password=${ZONES_API_DB_PASSWORD};Database=zones"
    "Images__Directory=${LOCAL}/images")
  # The benchmarks seed from 127.0.0.1: loopback skips the per-address limits unless ZONES_LIMIT_LOOPBACK=1.
  if [[ "${ZONES_LIMIT_LOOPBACK:-0}" != "1" ]]; then
    api_env+=("RateLimits__ExemptNetworks__0=127.0.0.0/8" "RateLimits__ExemptNetworks__1=::1/128")
  fi
  # Behind the balancer the client's address arrives in X-Forwarded-For from 127.0.0.1.
  [[ "${BALANCER}" == "yes" ]] && api_env+=("ForwardedHeaders__KnownProxies__0=127.0.0.1")
  started=()
  for ((i = 1; i <= APIS; i++)); do
    if api_alive "${i}"; then
      log "api-${i} already runs (pid $(pid_of "api-${i}")): reused"
    else
      port_var="API_${i}_PORT"
      start_node "api-${i}" "${API_DIR}" "${API_DLL}" "ASPNETCORE_URLS=http://127.0.0.1:${!port_var}" "${api_env[@]}"
    fi
    started+=("${i}")
  done
  for i in "${started[@]}"; do
    port_var="API_${i}_PORT"
    wait_ready "api-${i}" "http://127.0.0.1:${!port_var}" || failed=1
  done
fi

# ---------------------------------------------------------------------- balancer
if [[ ${failed} -eq 0 && "${BALANCER}" == "yes" ]]; then
  balancer_start || failed=1
fi

if [[ ${failed} -ne 0 ]]; then
  log "Zones did not come up; what started is still running for a look. Stop it with: ${HERE}/down.sh"
  exit 1
fi

if [[ ${MONITORING} -eq 1 ]]; then
  # shellcheck source=monitoring.sh source-path=SCRIPTDIR
  source "${HERE}/monitoring.sh"
  monitoring_start "${LOCAL}" "${REPO}" \
    "$(for ((i = 1; i <= APIS; i++)); do v="API_${i}_PORT"; printf '127.0.0.1:%s ' "${!v}"; done)" \
    "$(for ((i = 1; i <= SILOS; i++)); do v="SILO_${i}_HTTP_PORT"; printf '127.0.0.1:%s ' "${!v}"; done)" ||
    die "Prometheus did not start; see ${LOGS}/prometheus.log"
fi

# ------------------------------------------------------------------------ summary
cat <<EOF

Zones is up.
  Api:        http://127.0.0.1:${API_PORT}   (REST under /api/v1, SignalR hub /hubs/zones)$([[ "${BALANCER}" == "yes" ]] && echo "   HAProxy")
$(if [[ "${BALANCER}" == "yes" ]]; then
  printf '  Api nodes:  '
  for ((i = 1; i <= APIS; i++)); do v="API_${i}_PORT"; printf 'http://127.0.0.1:%s ' "${!v}"; done
  printf '(each node direct)\n  Balancer:   http://127.0.0.1:%s/ (HAProxy stats; ;csv for scripts), config %s\n' "${BALANCER_STATS_PORT}" "${LOCAL}/haproxy.cfg"
fi)
  Silos:      $(for ((i = 1; i <= SILOS; i++)); do v="SILO_${i}_HTTP_PORT"; printf 'http://127.0.0.1:%s ' "${!v}"; done)(health, /metrics)
  PostgreSQL: 127.0.0.1:${PG_PORT} database zones (passwords in ${SECRETS})
  Redis:      127.0.0.1:${REDIS_PORT} (password in ${SECRETS})
  Settings:   ${ENVIRONMENT}
  Stop:       ${HERE}/down.sh   (data stays; --purge deletes it)
  Logs:
EOF
for f in "${LOGS}"/*.log; do
  echo "    ${f}"
done
if [[ -n "${MONITORING_URL:-}" ]]; then
  echo "  Prometheus: ${MONITORING_URL}   (alerts ${MONITORING_URL}/alerts; Grafana dashboard deploy/grafana/zones.json)"
fi
