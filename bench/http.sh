#!/usr/bin/env bash
# HTTP throughput of the foundation's endpoints, on SQLite and (when reachable) PostgreSQL.
#
#   bench/http.sh [SECONDS] [CONNECTIONS]
#
# Builds the release binary, starts `leadvault serve` on a random loopback port over a fresh
# database, and drives it with wrk (Debian package `wrk`) for SECONDS (default 10) per
# endpoint with CONNECTIONS (default 32) connections on 2 threads. Server and load generator
# share the machine, so figures are for comparing changes on the same machine, not capacity.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
connections=${2:-32}
. bench/lib.sh

run_engine() {
    local engine=$1 database_url=$2 work
    work=$(mktemp -d)
    LEADVAULT_DATABASE_URL=$database_url LEADVAULT_LOG_LEVEL=warn start_serve "$work" --data-dir "$work/data"
    for path in /healthz /readyz /; do
        printf '%-9s %-8s ' "$engine" "$path"
        wrk -t2 -c"$connections" -d"${seconds}s" --latency "http://$serve_addr$path" | wrk_summary
    done
    stop_serve
    rm -rf "$work"
}

on_engines run_engine
