#!/usr/bin/env bash
# Runs the whole Zones test suite on a bare Debian 12 machine (CI runs it via .ci/run).
#
# 1. installs PostgreSQL 15 + PostGIS 3, Redis, Prometheus (promtool) and HAProxy if missing;
# 2. starts a throwaway PostgreSQL (trust auth, 127.0.0.1 only) and Redis (no persistence)
#    from a mktemp folder on free loopback ports;
# 3. builds Zones.sln in Release and runs `dotnet test` on it, with
#    ZONES_TEST_POSTGRES, ZONES_TEST_REDIS and ZONES_BUILD_CONFIGURATION exported;
# 4. stops what it started and deletes the folder (also on failure or Ctrl-C);
# 5. ends with the line `N passed, N failed` summed over the TRX results, and exits
#    non-zero if the build failed, any test failed, the run aborted, or no test ran.
#
# Environment:
#   ZONES_TEST_HANG_TIMEOUT  a single test running longer than this aborts the run
#                            (dotnet test --blame-hang-timeout), default 15m, so a hang
#                            ends well inside CI's time limit.
#   ZONES_TEST_FILTER        optional dotnet test --filter expression.
#   ZONES_KEEP_TEST_DIR=1    keep the temp folder (database log, TRX files) for a look.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "${HERE}/lib.sh"
REPO="$(zones_repo_root)"
cd "${REPO}"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

WORK=""
PG_DATA=""
REDIS_DIR=""
CLEANED=0

cleanup() {
  [[ ${CLEANED} -eq 1 ]] && return 0
  CLEANED=1
  set +e
  if [[ -n "${REDIS_DIR}" ]]; then redis_stop "${REDIS_DIR}"; fi
  if [[ -n "${PG_DATA}" ]]; then pg_stop "${PG_DATA}"; fi
  if [[ -n "${WORK}" && -d "${WORK}" ]]; then
    if [[ "${ZONES_KEEP_TEST_DIR:-0}" == "1" ]]; then
      log "kept ${WORK}"
    else
      rm -rf "${WORK}"
    fi
  fi
  set -e
}
SUMMARY_PRINTED=0

# On any exit: stop what we started; if the run ended before its summary (a failed
# install, a server that did not start, Ctrl-C), still close with a failing count line.
# shellcheck disable=SC2317 # invoked by the EXIT trap
on_exit() {
  local rc=$?
  cleanup
  if [[ ${SUMMARY_PRINTED} -eq 0 && ${rc} -ne 0 ]]; then
    echo "0 passed, 1 failed"
  fi
  exit "${rc}"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Prints the closing line and exits; everything else has been printed (and cleaned) by then.
FAILURES=""
finish() {
  local passed="$1" failed="$2" rc="$3"
  cleanup
  SUMMARY_PRINTED=1
  # The failed tests again, next to the closing line: CI keeps only the tail of the output.
  if [[ -n "${FAILURES}" ]]; then
    echo "failed tests:"
    printf '%s' "${FAILURES}"
  fi
  echo "${passed} passed, ${failed} failed"
  exit "${rc}"
}

# --------------------------------------------------------------------- infrastructure
# The Release build below rewrites the assemblies that a cluster from up.sh has loaded.
for pidfile in "${ZONES_LOCAL_DIR:-${REPO}/.local}"/run/*.pid; do
  [[ -e "${pidfile}" ]] || continue
  if pid_matches "$(cat "${pidfile}" 2>/dev/null || true)" "Zones."; then
    log "WARNING: the up.sh cluster is running (${pidfile}); rebuilding may crash it: run deploy/local/down.sh first"
    break
  fi
done

# promtool: the alert rules are tested too; haproxy: the end-to-end ChaosTests run up.sh's balanced cluster.
ensure_packages prometheus haproxy
# The Kubernetes manifests are checked against the API's JSON schemas by deploy/validate (DeployFilesTests).
command -v npm >/dev/null 2>&1 || ensure_packages nodejs npm
(cd deploy/validate && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci in deploy/validate failed"

WORK="$(mktemp -d -t zones-test.XXXXXX)"
# The postgres OS user must traverse into the folder; the data dir itself stays 0700.
chmod 755 "${WORK}"
PG_DATA="${WORK}/pg"
REDIS_DIR="${WORK}/redis"
RESULTS="${WORK}/results"
mkdir -p "${RESULTS}"

PG_PORT=""
REDIS_PORT=""
free_port PG_PORT
free_port REDIS_PORT

pg_init "${PG_DATA}" trust
pg_tune_for_tests "${PG_DATA}"
pg_start "${PG_DATA}" "${PG_PORT}" "${WORK}/postgres.log"
# Fail early and clearly if PostGIS cannot be created; tests create their own databases
# (and the extension in them) from this superuser connection.
pg_psql "${PG_PORT}" postgres -c "CREATE EXTENSION IF NOT EXISTS postgis; DROP EXTENSION postgis;" ||
  die "PostGIS is not installable in the test cluster"
log "PostgreSQL + PostGIS ready on 127.0.0.1:${PG_PORT}"

redis_start "${REDIS_DIR}" "${REDIS_PORT}" no

export ZONES_TEST_POSTGRES="Host=127.0.0.1;Port=${PG_PORT};Username=postgres;Database=postgres"
export ZONES_TEST_REDIS="127.0.0.1:${REDIS_PORT}"
export ZONES_BUILD_CONFIGURATION=Release
log "ZONES_TEST_POSTGRES=${ZONES_TEST_POSTGRES}"
log "ZONES_TEST_REDIS=${ZONES_TEST_REDIS}"

# ------------------------------------------------------------------------------ build
log "dotnet build Zones.sln -c Release"
if ! dotnet build Zones.sln -c Release; then
  log "build failed"
  finish 0 1 1
fi

# ------------------------------------------------------------------------------- test
# No fixed LogFileName: with several test projects each would overwrite the other's
# file; the TRX logger's default names are unique per project run.
# -m:1 runs the test projects one after another: the cluster and end-to-end suites each start
# several silos, and on a 2-core machine running them side by side starves both.
test_args=(test Zones.sln -c Release --no-build -m:1
  --logger trx --logger "console;verbosity=normal"
  --results-directory "${RESULTS}"
  --blame-hang-timeout "${ZONES_TEST_HANG_TIMEOUT:-15m}" --blame-hang-dump-type none)
if [[ -n "${ZONES_TEST_FILTER:-}" ]]; then
  test_args+=(--filter "${ZONES_TEST_FILTER}")
fi
log "dotnet ${test_args[*]}"
test_rc=0
dotnet "${test_args[@]}" || test_rc=$?

# ---------------------------------------------------------------------------- summary
# Each failed test of a TRX file: its name and the first lines of its message.
failed_tests() {
  awk '
    function text(s) {
      gsub(/&quot;/, "\"", s); gsub(/&apos;/, "\047", s); gsub(/&lt;/, "<", s); gsub(/&gt;/, ">", s); gsub(/&amp;/, "\\&", s)
      return s
    }
    /<UnitTestResult / && /outcome="Failed"/ {
      name = $0; sub(/.*testName="/, "", name); sub(/".*/, "", name)
      print "  FAILED " text(name); failing = 1; lines = 0
    }
    failing && /<Message>/ { inmessage = 1; sub(/.*<Message>/, "") }
    # The first lines and the last ones of each message: an assertion that carries a drill report has its
    # verdict at one end and the figures at the other.
    failing && inmessage {
      done = sub(/<\/Message>.*/, "")
      buf[lines++] = "    " text($0)
      if (done) {
        for (i = 0; i < lines; i++) {
          if (i < 8 || i >= lines - 40) print buf[i]
          else if (i == 8) print "    [" (lines - 48) " lines left out]"
        }
        inmessage = 0; failing = 0
      }
    }
    /<\/UnitTestResult>/ { failing = 0; inmessage = 0 }
  ' "$1"
}

passed=0
failed=0
skipped=0
trx_count=0
while IFS= read -r -d '' trx; do
  trx_count=$((trx_count + 1))
  counters="$(grep -o '<Counters [^>]*>' "${trx}" | head -n 1 || true)"
  attr() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"${counters}"; }
  p="$(attr passed)"
  f="$(attr failed)"
  e="$(attr error)"
  t="$(attr timeout)"
  a="$(attr aborted)"
  total="$(attr total)"
  executed="$(attr executed)"
  outcome="$(grep -o '<ResultSummary outcome="[A-Za-z]*"' "${trx}" | head -n 1 | sed 's/.*outcome="\([A-Za-z]*\)"/\1/' || true)"
  file_failed=$((${f:-0} + ${e:-0} + ${t:-0} + ${a:-0}))
  if [[ ${file_failed} -eq 0 && "${outcome}" != "Completed" && "${outcome}" != "Passed" ]]; then
    # A test host that crashed or was killed for hanging writes outcome "Failed" with no
    # failed test in the counters (the test it was running is not counted at all).
    log "${trx##*/}: run outcome ${outcome:-unknown} without a counted failure: one aborted test run"
    file_failed=1
  fi
  if [[ ${file_failed} -gt 0 ]]; then
    FAILURES+="$(failed_tests "${trx}")"$'\n'
  fi
  passed=$((passed + ${p:-0}))
  failed=$((failed + file_failed))
  # Skipped tests are counted in total but not in executed.
  skipped=$((skipped + ${total:-0} - ${executed:-0}))
done < <(find "${RESULTS}" -name '*.trx' -print0)

log "TRX files: ${trx_count}; passed ${passed}, failed ${failed}, skipped ${skipped}; dotnet test exit code ${test_rc}"

rc=0
if [[ ${failed} -gt 0 ]]; then
  rc=1
elif [[ ${test_rc} -ne 0 ]]; then
  # A crashed or hung test host can leave no failed counter behind; count the run as one
  # failure so the closing line never says "0 failed" for a red run.
  log "dotnet test failed (exit ${test_rc}) without a failed test in the TRX files: aborted run"
  failed=1
  rc=1
elif [[ $((passed + failed)) -eq 0 ]]; then
  log "no test ran"
  rc=1
fi
finish "${passed}" "${failed}" "${rc}"
