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
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
cargo build --release -q
bin=$PWD/target/release/leadvault
pg_admin=${LV_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}

run_engine() {
    local engine=$1 database_url=$2 work out addr pid
    work=$(mktemp -d)
    out=$work/stdout
    LEADVAULT_DATABASE_URL=$database_url LEADVAULT_LOG_LEVEL=warn \
        "$bin" serve --data-dir "$work/data" --listen 127.0.0.1:0 >"$out" 2>"$work/stderr" &
    pid=$!
    for _ in $(seq 1 100); do grep -q 'is listening on' "$out" 2>/dev/null && break; sleep 0.1; done
    addr=$(sed -n 's/.*is listening on .*(\(.*\))$/\1/p' "$out")
    [ -n "$addr" ] || { echo "serve did not start:" >&2; cat "$work/stderr" >&2; kill "$pid"; exit 1; }
    for path in /healthz /readyz /; do
        printf '%-9s %-8s ' "$engine" "$path"
        wrk -t2 -c"$connections" -d"${seconds}s" --latency "http://$addr$path" |
            awk '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /Non-2xx/ {bad=$NF}
                 END {printf "%10s req/s   p50 %8s   p99 %8s   non-2xx %s\n", rps, p50, p99, (bad==""?0:bad)}'
    done
    kill -TERM "$pid"; wait "$pid" || true
    rm -rf "$work"
}

echo "leadvault $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $(nproc) cores, wrk -t2 -c$connections -d${seconds}s"
run_engine sqlite "sqlite://$(mktemp -d)/bench.db?mode=rwc"
if psql -w "$pg_admin" -Atc 'SELECT 1' >/dev/null 2>&1; then
    db=lvbench_$$
    psql -w "$pg_admin" -qc "CREATE DATABASE $db"
    run_engine postgres "${pg_admin%/*}/$db"
    psql -w "$pg_admin" -qc "DROP DATABASE $db WITH (FORCE)"
else
    echo "postgres  skipped: no PostgreSQL at $pg_admin"
fi
