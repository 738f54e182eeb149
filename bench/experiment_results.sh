#!/usr/bin/env bash
# How long an experiment's results take to read for a busy site: makes EVENTS made-up events
# over DAYS days (at most 30: the results read the last 30) with every visit on the
# experiment's pages exposed to it (`leadvault analytics generate --experiment`), then reads
# the results as the results page does (every goal, the comparison, the sample size),
# several times (`leadvault analytics results`). On SQLite and (when reachable) PostgreSQL.
# Prints figures; asserts nothing.
#
#   bench/experiment_results.sh [EVENTS] [DAYS]      (default 10000000 30)
#
# LV_BIN=/path/to/leadvault runs that binary; LV_ENGINES=sqlite (or postgres) one engine.
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-10000000}
days=${2:-30}
connections=-; seconds=-
. bench/lib.sh

run_engine() {
    local engine=$1 database_url=$2 work site experiment
    work=$(mktemp -d)
    export LEADVAULT_DATABASE_URL=$database_url LEADVAULT_DATA_DIR=$work/data LEADVAULT_LOG_LEVEL=warn
    site=$(make_site bench.example)
    "$bin" analytics generate --site "$site" --events "$events" --days "$days" --experiment >"$work/made"
    experiment=$(sed -n 's/^Experiment //p' "$work/made")
    printf '%-9s %s\n' "$engine" "$(grep Generated "$work/made")"
    "$bin" analytics results --site "$site" --experiment "$experiment" --period 30d --runs 10 \
        | sed "s/^/$engine    /"
    unset LEADVAULT_DATABASE_URL LEADVAULT_DATA_DIR LEADVAULT_LOG_LEVEL
    rm -rf "$work"
}

on_engines run_engine
