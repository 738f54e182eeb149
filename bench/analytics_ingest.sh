#!/usr/bin/env bash
# Analytics events accepted per second by POST /api/event over HTTP, on SQLite and (when
# reachable) PostgreSQL, with /healthz in the same run for the ratio; then how many of the
# accepted events were stored by the time serve stopped, the server's CPU per event and its
# peak memory. Prints figures; asserts nothing.
#
#   bench/analytics_ingest.sh [SECONDS] [CONNECTIONS]
#
# LV_BIN=/path/to/leadvault runs that binary; LV_ENGINES=sqlite (or postgres) one engine.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
connections=${2:-64}
. bench/lib.sh
command -v sqlite3 >/dev/null || { echo "sqlite3 is missing: apt-get install sqlite3" >&2; exit 1; }

run_engine() {
    local engine=$1 database_url=$2 work site
    work=$(mktemp -d)
    export LEADVAULT_DATABASE_URL=$database_url LEADVAULT_DATA_DIR=$work/data LEADVAULT_LOG_LEVEL=warn
    site=$(make_site bench.example)
    LEADVAULT_TRUSTED_PROXIES=127.0.0.1/32 start_serve "$work"
    printf '%-9s %-10s ' "$engine" "/healthz"
    wrk -t2 -c"$connections" -d"${seconds}s" --latency "http://$serve_addr/healthz" |
        wrk_summary | tee "$work/healthz"
    printf '%-9s %-10s ' "$engine" "event"
    cpu_before=$(serve_cpu_ms)
    LV_SITE="$site" LV_HOST=bench.example \
        wrk -t2 -c"$connections" -d"${seconds}s" --latency -s bench/analytics_event.lua "http://$serve_addr" |
        wrk_summary | tee "$work/event"
    cpu_used=$(( $(serve_cpu_ms) - cpu_before ))
    peak_kb=$(awk '/VmHWM/ {print $2}' "/proc/$serve_pid/status")
    stop_serve
    healthz=$(awk '{print $1}' "$work/healthz"); events=$(awk '{print $1}' "$work/event")
    sent=$(awk '{print $NF}' "$work/event"); refused=$(awk '{print $(NF-2)}' "$work/event")
    awk -v h="$healthz" -v s="$events" -v e="$engine" 'BEGIN {printf "%-9s events per /healthz request: %.3f\n", e, s/h}'
    awk -v c="$cpu_used" -v n="$sent" -v e="$engine" 'BEGIN {printf "%-9s server CPU per event: %.3f ms\n", e, c/n}'
    printf '%-9s peak memory (VmHWM): %d MiB\n' "$engine" $((peak_kb / 1024))
    local stored
    case $engine in
        sqlite) local file=${database_url#sqlite://}; file=${file%%\?*}
                stored=$(sqlite3 "${file%.db}-analytics.db" 'SELECT count(*) FROM analytics_events') ;;
        postgres) stored=$(psql -w "$database_url" -Atc 'SELECT count(*) FROM analytics_events') ;;
    esac
    printf '%-9s accepted %d of %d sent, stored %s\n' "$engine" $((sent - refused)) "$sent" "$stored"
    unset LEADVAULT_DATABASE_URL LEADVAULT_DATA_DIR LEADVAULT_LOG_LEVEL
    rm -rf "$work"
}

on_engines run_engine
