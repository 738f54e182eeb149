#!/usr/bin/env bash
# How fast the analytics script goes out, with and without a site's experiments: starts an
# experiment on a fresh site (`leadvault analytics generate --experiment`, a little traffic),
# serves, and drives with wrk for SECONDS per request: the plain `/js/lv.js`, the site's
# `/js/lv.js?site=ID` (script and experiments in one file, from the server's 30-second
# cache), and the same revalidated by its ETag (304). On SQLite and (when reachable)
# PostgreSQL. Prints figures; asserts nothing.
#
#   bench/experiment_script.sh [SECONDS] [CONNECTIONS]      (default 10 32)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
connections=${2:-32}
. bench/lib.sh

run_engine() {
    local engine=$1 database_url=$2 work site etag
    work=$(mktemp -d)
    export LEADVAULT_DATABASE_URL=$database_url LEADVAULT_DATA_DIR=$work/data LEADVAULT_LOG_LEVEL=warn
    site=$(make_site bench.example)
    "$bin" analytics generate --site "$site" --events 1000 --days 1 --experiment >/dev/null
    start_serve "$work" --data-dir "$work/data"
    etag=$(curl -sI "http://$serve_addr/js/lv.js?site=$site" | sed -n 's/^etag: *//Ip' | tr -d '\r')
    for path in "/js/lv.js" "/js/lv.js?site=$site"; do
        printf '%-9s %-22s %6s B  ' "$engine" "${path%%=*}" "$(curl -s "http://$serve_addr$path" | wc -c)"
        wrk -t2 -c"$connections" -d"${seconds}s" --latency "http://$serve_addr$path" | wrk_summary
    done
    printf '%-9s %-22s %6s    ' "$engine" "?site (If-None-Match)" \
        "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "http://$serve_addr/js/lv.js?site=$site")"
    wrk -t2 -c"$connections" -d"${seconds}s" --latency -H "If-None-Match: $etag" \
        "http://$serve_addr/js/lv.js?site=$site" | wrk_summary
    stop_serve
    unset LEADVAULT_DATABASE_URL LEADVAULT_DATA_DIR LEADVAULT_LOG_LEVEL
    rm -rf "$work"
}

on_engines run_engine
