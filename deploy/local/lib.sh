# shellcheck shell=bash
# Shared helpers for up.sh, down.sh and test.sh. Sourced, never run.
#
# Everything here runs on a bare Debian 12 machine: bash, coreutils, util-linux (runuser,
# setsid), iproute2 (ss) and the packages that ensure_packages installs. No python, no
# systemd: the PostgreSQL and Redis servers are started by hand from data folders that
# the calling script owns, on loopback ports it chooses, so they never collide with a
# system cluster that a package's postinst may have created (and may have started).

ZONES_PG_VERSION="${ZONES_PG_VERSION:-15}"
PG_BIN="/usr/lib/postgresql/${ZONES_PG_VERSION}/bin"
ZONES_PACKAGES=("postgresql-${ZONES_PG_VERSION}" "postgresql-${ZONES_PG_VERSION}-postgis-3" redis-server)

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# The repository root, from this file's own location (deploy/local/lib.sh).
zones_repo_root() {
  (cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
}

# Runs a command with root rights: directly when we are root, else through sudo.
as_root() {
  if [[ ${EUID} -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root (or sudo) to run: $*"
  fi
}

# Runs a command as the OS user that owns the PostgreSQL data: initdb and postgres refuse
# to run as root, so as root we switch to the 'postgres' user the Debian package creates;
# as any other user we simply run as that user.
as_pg() {
  if [[ ${EUID} -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# ensure_packages [EXTRA...]: installs the PostgreSQL, PostGIS and Redis packages (and any
# EXTRA) if any is missing. apt-get update runs only then, so a machine that has them all
# does no network round trip.
# shellcheck disable=SC2120 # callers pass extras or nothing
ensure_packages() {
  local missing=() pkg status
  for pkg in "${ZONES_PACKAGES[@]}" "$@"; do
    status="$(dpkg-query -W -f='${Status}' "${pkg}" 2>/dev/null || true)"
    [[ "${status}" == "install ok installed" ]] || missing+=("${pkg}")
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    log "packages present: ${ZONES_PACKAGES[*]} $*"
  else
    log "installing missing packages: ${missing[*]} (apt-get update first)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
      --no-install-recommends "${missing[@]}"
  fi
  [[ -x "${PG_BIN}/initdb" ]] || die "${PG_BIN}/initdb not found after install"
  command -v redis-server >/dev/null 2>&1 || die "redis-server not found after install"
  if [[ ${EUID} -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || die "OS user 'postgres' missing (the postgresql package creates it)"
  fi
}

# A random secret of URL- and connection-string-safe characters (no ; = ' " spaces).
# head ends first, so pipefail never sees a SIGPIPE.
random_secret() {
  local bytes="${1:-36}"
  head -c "${bytes}" /dev/urandom | base64 -w0 | tr -d '/+='
}

# True when something accepts connections on 127.0.0.1:port, or ss lists it as listening.
port_in_use() {
  local port="$1"
  if command -v ss >/dev/null 2>&1 && ss -Hltn "sport = :${port}" 2>/dev/null | grep -q .; then
    return 0
  fi
  # bash's /dev/tcp: a refused connect on loopback fails at once.
  (exec 3<>"/dev/tcp/127.0.0.1/${port}") 2>/dev/null
}

# Ports handed out by this process, so two calls never return the same one before
# anything has bound it.
ZONES_RESERVED_PORTS=" "

# free_port VAR [PREFERRED]: sets VAR to a free loopback port: PREFERRED if it is free,
# else a random one from 20000-39999 (below the kernel's ephemeral range, so an outgoing
# connection does not grab it between our check and the server's bind). It sets a
# variable rather than printing, because a $(...) subshell would lose the reservation.
free_port() {
  local var="$1" preferred="${2:-}" port i
  if [[ -n "${preferred}" ]] && [[ "${ZONES_RESERVED_PORTS}" != *" ${preferred} "* ]] && ! port_in_use "${preferred}"; then
    ZONES_RESERVED_PORTS+="${preferred} "
    printf -v "${var}" '%s' "${preferred}"
    return 0
  fi
  for ((i = 0; i < 200; i++)); do
    port=$((20000 + RANDOM % 20000))
    [[ "${ZONES_RESERVED_PORTS}" == *" ${port} "* ]] && continue
    if ! port_in_use "${port}"; then
      ZONES_RESERVED_PORTS+="${port} "
      printf -v "${var}" '%s' "${port}"
      return 0
    fi
  done
  die "no free loopback port found"
}

# Marks a port as taken for later free_port calls (ports remembered from state.env).
reserve_port() { ZONES_RESERVED_PORTS+="$1 "; }

# wait_for DESCRIPTION TIMEOUT_SECONDS COMMAND...: polls COMMAND every half second until
# it succeeds; says what it waits for, and fails with that text on timeout.
wait_for() {
  local what="$1" timeout="$2"
  shift 2
  local deadline=$((SECONDS + timeout))
  log "waiting up to ${timeout}s for ${what}"
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      log "timed out after ${timeout}s waiting for ${what}"
      return 1
    fi
    sleep 0.5
  done
  log "ready: ${what}"
}

# True when an HTTP GET answers 200. Uses curl when present, else bash's /dev/tcp.
http_ok() {
  local url="$1"
  if command -v curl >/dev/null 2>&1; then
    [[ "$(curl -s -o /dev/null -m 5 -w '%{http_code}' "${url}")" == "200" ]]
    return
  fi
  local rest="${url#http://}" hostport path host port status
  hostport="${rest%%/*}"
  path="/${rest#*/}"
  [[ "${rest}" == */* ]] || path="/"
  host="${hostport%%:*}"
  port="${hostport##*:}"
  exec 3<>"/dev/tcp/${host}/${port}" || return 1
  printf 'GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n' "${path}" "${hostport}" >&3
  IFS= read -r -t 5 status <&3 || status=""
  exec 3<&- 3>&-
  [[ "${status}" =~ ^HTTP/[0-9.]+\ 200 ]]
}

# True when pid is alive and its command line contains the given text (guards against a
# recorded pid that was reused by another process after a reboot).
pid_matches() {
  local pid="$1" text="$2"
  [[ "${pid}" =~ ^[0-9]+$ ]] || return 1
  kill -0 "${pid}" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/${pid}/cmdline" 2>/dev/null | grep -qF -- "${text}"
}

# wait_exit PID WHAT TIMEOUT: waits for a signalled pid to exit; SIGKILL after TIMEOUT.
wait_exit() {
  local pid="$1" what="$2" timeout="${3:-30}"
  local deadline=$((SECONDS + timeout))
  while kill -0 "${pid}" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      log "${what} (pid ${pid}) still running after ${timeout}s: SIGKILL"
      kill -KILL "${pid}" 2>/dev/null || true
      return 0
    fi
    sleep 0.2
  done
  log "${what} (pid ${pid}) exited"
}

# Sends SIGTERM to a pid and waits for it to exit; SIGKILL after the timeout.
stop_pid() {
  local pid="$1" what="$2" timeout="${3:-30}"
  kill -0 "${pid}" 2>/dev/null || return 0
  log "stopping ${what} (pid ${pid}, SIGTERM)"
  kill -TERM "${pid}" 2>/dev/null || true
  wait_exit "${pid}" "${what}" "${timeout}"
}

# ---------------------------------------------------------------------------- PostgreSQL

# zones_pg_home LOCAL: the folder that holds up.sh's PostgreSQL data directory (pg/) and its log.
# Normally LOCAL itself. When the postgres OS user cannot traverse LOCAL's parents (a clone under
# /root, which is 0700 on Debian), a folder of its own under /var/lib/postgresql, named after
# LOCAL's path so that every checkout keeps its own cluster.
zones_pg_home() {
  local local_dir="$1"
  if [[ ${EUID} -ne 0 ]] || as_pg test -x "${local_dir}"; then
    echo "${local_dir}"
  else
    echo "/var/lib/postgresql/zones-$(printf '%s' "${local_dir}" | sha1sum | cut -c1-12)"
  fi
}

# pg_init DATADIR trust|scram [PASSWORD]: creates a cluster owned by the postgres OS user.
#   trust  every loopback connection is trusted (throwaway test data only).
#   scram  scram-sha-256 password auth for every connection; PASSWORD is the superuser's.
# Unix sockets are off: the server listens on 127.0.0.1 only, so socket-dir permissions
# and path-length limits never matter.
pg_init() {
  local datadir="$1" auth="$2" password="${3:-}"
  if [[ -f "${datadir}/PG_VERSION" ]]; then
    return 0
  fi
  mkdir -p "${datadir}"
  chmod 700 "${datadir}"
  if [[ ${EUID} -eq 0 ]]; then
    chown postgres:postgres "${datadir}"
  fi
  as_pg test -w "${datadir}" ||
    die "the postgres OS user cannot reach ${datadir}: a parent folder is not traversable (chmod o+x it, or set ZONES_LOCAL_DIR to another folder)"
  local args=(-D "${datadir}" -U postgres --encoding=UTF8 --locale=C.UTF-8)
  local pwfile=""
  if [[ "${auth}" == "trust" ]]; then
    args+=(--auth=trust)
  else
    # initdb reads the password from a file that the postgres user can read; it lives
    # only for this call.
    pwfile="$(mktemp)"
    printf '%s\n' "${password}" >"${pwfile}"
    if [[ ${EUID} -eq 0 ]]; then
      chown postgres:postgres "${pwfile}"
    fi
    args+=(--auth-local=scram-sha-256 --auth-host=scram-sha-256 --pwfile="${pwfile}")
  fi
  log "initdb ${datadir} (auth ${auth})"
  local rc=0
  as_pg "${PG_BIN}/initdb" "${args[@]}" >/dev/null || rc=$?
  if [[ -n "${pwfile}" ]]; then
    rm -f "${pwfile}"
  fi
  [[ ${rc} -eq 0 ]] || die "initdb failed for ${datadir}"
  cat >>"${datadir}/postgresql.conf" <<'CONF'

# --- Zones local settings (deploy/local/lib.sh) ---
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 300
CONF
}

# pg_tune_for_tests DATADIR: durability off; the data is thrown away after the run.
pg_tune_for_tests() {
  cat >>"$1/postgresql.conf" <<'EOF'
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
}

pg_running() {
  as_pg "${PG_BIN}/pg_ctl" status -D "$1" >/dev/null 2>&1
}

# pg_start DATADIR PORT LOGFILE: starts the cluster (no-op if it already runs).
pg_start() {
  local datadir="$1" port="$2" logfile="$3"
  if pg_running "${datadir}"; then
    log "PostgreSQL already running from ${datadir}"
    return 0
  fi
  touch "${logfile}"
  if [[ ${EUID} -eq 0 ]]; then
    chown postgres:postgres "${logfile}"
  fi
  log "starting PostgreSQL on 127.0.0.1:${port} (data ${datadir}, log ${logfile})"
  # -w waits until the server accepts connections; -t bounds that wait.
  if ! as_pg "${PG_BIN}/pg_ctl" start -D "${datadir}" -l "${logfile}" -w -t 60 -o "-p ${port}" >/dev/null; then
    log "PostgreSQL did not start; last lines of ${logfile}:"
    tail -n 20 "${logfile}" >&2 || true
    return 1
  fi
}

pg_stop() {
  local datadir="$1"
  [[ -f "${datadir}/PG_VERSION" ]] || return 0
  if pg_running "${datadir}"; then
    log "stopping PostgreSQL (${datadir}, pg_ctl stop -m fast)"
    as_pg "${PG_BIN}/pg_ctl" stop -D "${datadir}" -m fast -w -t 60 >/dev/null
  fi
}

# The port a running cluster listens on, from its postmaster.pid (line 4).
pg_running_port() {
  sed -n 4p "$1/postmaster.pid" 2>/dev/null
}

# pg_psql PORT DB [psql args...]: psql as the superuser over TCP. PGPASSWORD (if any)
# comes from the caller's environment.
pg_psql() {
  local port="$1" db="$2"
  shift 2
  PGOPTIONS="-c client_min_messages=warning" "${PG_BIN}/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "${port}" -U postgres -d "${db}" "$@"
}

# ----------------------------------------------------------------------------- Redis

# redis_start DIR PORT PERSIST [LOGFILE] [PASSWORD]: writes DIR/redis.conf, starts a daemonized server.
#   PERSIST=yes  append-only file in DIR (survives down/up); no  nothing on disk.
#   PASSWORD     when given, clients must AUTH with it (requirepass); redis.conf is then 0600.
redis_start() {
  local dir="$1" port="$2" persist="$3" logfile="${4:-$1/redis.log}" password="${5:-}"
  mkdir -p "${dir}"
  local conf="${dir}/redis.conf" pidfile="${dir}/redis.pid"
  local pid
  pid="$(cat "${pidfile}" 2>/dev/null || true)"
  if pid_matches "${pid}" redis-server; then
    log "Redis already running (pid ${pid})"
    if [[ -n "${password}" ]] && redis_ping "${port}" ""; then
      # Started by an older up.sh without a password: require it from now on.
      redis-cli -h 127.0.0.1 -p "${port}" CONFIG SET requirepass "${password}" >/dev/null
    fi
    return 0
  fi
  (umask 077; : >"${conf}")
  {
    echo "bind 127.0.0.1"
    echo "protected-mode yes"
    echo "port ${port}"
    echo "dir ${dir}"
    echo "daemonize yes"
    echo "pidfile ${pidfile}"
    echo "logfile ${logfile}"
    echo "save \"\""
    if [[ -n "${password}" ]]; then
      echo "requirepass ${password}"
    fi
    if [[ "${persist}" == "yes" ]]; then
      echo "appendonly yes"
    else
      echo "appendonly no"
    fi
  } >"${conf}"
  log "starting Redis on 127.0.0.1:${port} (dir ${dir})"
  redis-server "${conf}"
  wait_for "Redis to answer PING on 127.0.0.1:${port}" 30 redis_ping "${port}" "${password}"
}

# redis_ping PORT [PASSWORD]
redis_ping() {
  [[ "$(REDISCLI_AUTH="${2:-}" redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" == "PONG" ]]
}

redis_stop() {
  local dir="$1" pid
  pid="$(cat "${dir}/redis.pid" 2>/dev/null || true)"
  if pid_matches "${pid}" redis-server; then
    # SIGTERM: Redis flushes its append-only file and exits.
    stop_pid "${pid}" "Redis" 30
  fi
}
