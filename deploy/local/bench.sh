#!/usr/bin/env bash
# The benchmark: an open-model load against the local cluster that deploy/local/up.sh started, the same load
# against a bare "ceiling" node (Tests/Zones.Ceiling: parse the pings, answer, nothing else) in the same run,
# and a report with every figure also as a share of the ceiling's.
#
#   ZONES_SILOS=1 ZONES_ENVIRONMENT=Production deploy/local/up.sh   # the cluster to measure
#   deploy/local/bench.sh [options]                                  # builds Release, runs, prints the report
#
# What it does (Tests/Zones.Bench):
#   - users: registers --users users through the API, each with --zones circle zones (radius 200 m), in
#     parallel, and saves them to .local/bench/users.json; later runs reuse them (tokens refreshed);
#   - load: sends leave at a fixed target rate (open model) and latency runs from each send's intended time,
#     so a stall is charged to everything it delayed; a warm-up before each step is not counted. Each user
#     walks east-west through its home zone in 20 m steps, 1 fix a second: about 1 ping in 20 crosses an edge;
#   - modes: single (1 ping per POST /api/v1/locations), batch (--batch pings per POST), stream (each
#     user's device streams pings to the hub's StreamLocations; rate in pings/s), send (each device invokes
#     the hub's SendLocations with one ping; rate in calls/s);
#   - step search per mode and target: the rate grows by --step-factor while a step holds (p99 <= bound, no
#     errors, >= 97% of the target done; stream: ping->zoneEvent p99 <= its bound), then one run at half
#     the highest rate held;
#   - listeners: --listeners users on /hubs/zones time each crossing ping to its zoneEvent;
#   - correctness: the transitions the generator's own geometry expects (same hysteresis as the server)
#     against the events in the answers, on the hub, and stored in PostgreSQL: missing, extra, duplicated;
#   - CPU (user+sys) and RSS of the Api, each silo, PostgreSQL, Redis, the ceiling and the generator;
#   - output: a table on stdout; report.txt, report.json and chart.png in .local/bench/<UTC time>/.
#   Exit code 0 when every check is clean, 1 when not, 2 on a usage or setup error.
#
# Options (all optional):
#   --modes single,batch,stream     any of single, batch, stream, send
#   --step-seconds 10 --warmup 3    counted seconds per step, uncounted warm-up before each (3x before the
#                                   first step of a search: JIT, connections and grains warm up there)
#   --measure-seconds 20            counted seconds of the run at half the highest rate held
#   --start-rate R                  first step (default per mode: single 1000, batch 100, stream 2000, send 500)
#   --step-factor 1.5 --max-steps 12 --max-rate 400000
#   --rate R                        one fixed rate per mode instead of the search
#   --p99-bound-ms 10 --event-p99-bound-ms 25
#   --users 500 --zones 10 --batch 50 --connections 64 --listeners 50
#   --hub-protocol json|messagepack the SignalR protocol of devices and listeners
#   --reseed                        register new users instead of reusing .local/bench/users.json
#   --no-ceiling                    skip the ceiling node (no ratios); --targets ceiling measures only it
#   --out DIR                       report folder
#   --wrk                           also measure closed-model throughput with wrk (single and batch, Zones and
#                                   the ceiling; installs Debian's wrk if missing). The .NET generator needs tens
#                                   of microseconds of CPU per request and shares the 2 cores with the node it
#                                   measures, so it cannot offer the ceiling its full rate; wrk can.
#
# Environment: ZONES_LOCAL_DIR as for up.sh; ZONES_SKIP_BUILD=1 runs the existing Release build.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "${HERE}/lib.sh"
REPO="$(zones_repo_root)"
LOCAL="${ZONES_LOCAL_DIR:-${REPO}/.local}"
cd "${REPO}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

case "${1:-}" in
  -h | --help)
    sed -n '2,46p' "$0"
    exit 0
    ;;
esac

[[ -f "${LOCAL}/state.env" && -f "${LOCAL}/secrets.env" ]] || die "no local cluster in ${LOCAL}: run deploy/local/up.sh first"
# shellcheck disable=SC1091
source "${LOCAL}/state.env"
# shellcheck disable=SC1091
source "${LOCAL}/secrets.env"
API="http://127.0.0.1:${API_PORT}"
http_ok "${API}/health/ready" || die "the Api at ${API} is not ready: start the cluster with deploy/local/up.sh"

BENCH_DIR="${REPO}/Tests/Zones.Bench/bin/Release/net10.0"
CEILING_DIR="${REPO}/Tests/Zones.Ceiling/bin/Release/net10.0"
if [[ "${ZONES_SKIP_BUILD:-0}" != "1" ]]; then
  # Only the two tools: the running nodes' assemblies are not touched.
  log "dotnet build Tests/Zones.Bench Tests/Zones.Ceiling -c Release"
  dotnet build Tests/Zones.Bench -c Release -nologo -v quiet >/dev/null || die "build of Tests/Zones.Bench failed"
  dotnet build Tests/Zones.Ceiling -c Release -nologo -v quiet >/dev/null || die "build of Tests/Zones.Ceiling failed"
fi

if [[ " $* " == *" --wrk "* ]] && ! command -v wrk >/dev/null 2>&1; then
  log "installing wrk (Debian package) for --wrk"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends wrk >/dev/null ||
    die "could not install wrk"
fi

# The processes to measure: what up.sh recorded, PostgreSQL's postmaster (its backends are its children), Redis.
processes=()
add_process() { [[ "$2" =~ ^[0-9]+$ ]] && kill -0 "$2" 2>/dev/null && processes+=(--process "$1=$2") || true; }
for f in "${LOCAL}"/run/api*.pid; do
  [[ -f "${f}" ]] && add_process "$(basename "${f}" .pid)" "$(cat "${f}")"
done
for f in "${LOCAL}"/run/silo-*.pid; do
  [[ -f "${f}" ]] && add_process "$(basename "${f}" .pid)" "$(cat "${f}")"
done
add_process postgres "$(head -1 "$(zones_pg_home "${LOCAL}")/pg/postmaster.pid" 2>/dev/null || true)"
add_process redis "$(cat "${LOCAL}/redis/redis.pid" 2>/dev/null || true)"

# Secrets go through the environment, not the command line: the database password (to check stored
# activities) and the JWT signing key (reused users get access tokens signed like the Api's own, instead of a
# bcrypt login each). Issuer and audience are the ones up.sh gives the nodes.
export ZONES_BENCH_PG="Host=127.0.0.1;Port=${PG_PORT};Username=zones;Password=${ZONES_DB_PASSWORD};Database=zones"
export ZONES_BENCH_JWT_KEY="${JWT_SIGNING_KEY}" ZONES_BENCH_JWT_ISSUER=zones ZONES_BENCH_JWT_AUDIENCE=zones-clients
exec dotnet "${BENCH_DIR}/Zones.Bench.dll" \
  --api "${API}" \
  --users-file "${LOCAL}/bench/users.json" \
  --out "${LOCAL}/bench/$(date -u +%Y%m%d-%H%M%S)" \
  --ceiling-dll "${CEILING_DIR}/Zones.Ceiling.dll" \
  "${processes[@]}" "$@"
