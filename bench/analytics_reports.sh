#!/usr/bin/env bash
# How long the analytics dashboard's data takes to read for a site with many events: makes
# EVENTS made-up events over DAYS days (`leadvault analytics generate`, written and rolled
# up as the server does), then reads the report as the dashboard does, several times, for
# the last 30 days and the last 12 months (`leadvault analytics report`). On SQLite and (when
# reachable) PostgreSQL. Prints figures; asserts nothing.
#
#   bench/analytics_reports.sh [EVENTS] [DAYS]      (default 10000000 30)
#
# LV_BIN=/path/to/leadvault runs that binary; LV_ENGINES=sqlite (or postgres) one engine.
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-10000000}
days=${2:-30}
connections=-; seconds=-
. bench/lib.sh

run_engine() {
    local engine=$1 database_url=$2 work site
    work=$(mktemp -d)
    export LEADVAULT_DATABASE_URL=$database_url LEADVAULT_DATA_DIR=$work/data LEADVAULT_LOG_LEVEL=warn
    site=$(make_site bench.example)
    printf '%-9s ' "$engine"; "$bin" analytics generate --site "$site" --events "$events" --days "$days"
    for period in 30d 12mo today; do
        "$bin" analytics report --site "$site" --period "$period" --runs 20 | sed "s/^/$engine    /"
    done
    unset LEADVAULT_DATABASE_URL LEADVAULT_DATA_DIR LEADVAULT_LOG_LEVEL
    rm -rf "$work"
}

on_engines run_engine
