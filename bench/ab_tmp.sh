#!/usr/bin/env bash
# Durable consultation submissions per second through HTTP, on SQLite and (when reachable)
# PostgreSQL, with everything on: answer checking, the prohibited-data guard, encryption per
# data class, blind indexes, history and the audit record in the submission's transaction.
# Also /healthz in the same run, for the ratio. Prints figures; asserts nothing.
#
#   bench/intake.sh [SECONDS] [CONNECTIONS]
#
# A 2xx answer means the lead is committed; the script counts the leads stored afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
connections=${2:-64}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
:
bin=${LV_BIN:-$PWD/target/release/leadvault}
pg_admin=${LV_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
definition='{"kind": "consultation", "fields": [
  {"key": "name", "label": "Your name", "type": "text", "class": "contact", "required": true},
  {"key": "email", "label": "E-mail", "type": "email", "required": true},
  {"key": "phone", "label": "Phone", "type": "phone"},
  {"key": "area", "label": "Practice area", "type": "single_choice", "class": "assessment",
   "choices": ["Family", "Injury", "Immigration", "Criminal"]},
  {"key": "urgency", "label": "How urgent", "type": "urgency"},
  {"key": "story", "label": "What happened", "type": "case_history"},
  {"key": "agree", "label": "I agree to be contacted", "type": "consent", "text": "You may contact me.", "required": true}
]}'
answers='name=Marisol+Quintana&phone=%28415%29+555-0132&area=Family&urgency=high&story=My+landlord+kept+my+deposit+after+I+moved+out+in+March%3B+the+apartment+was+clean+and+I+have+photos.+Case+no.+CV-2026-004512.&agree=yes'

run_engine() {
    local engine=$1 database_url=$2 work out addr pid org form
    work=$(mktemp -d)
    export LEADVAULT_DATABASE_URL=$database_url LEADVAULT_DATA_DIR=$work/data LEADVAULT_LOG_LEVEL=warn
    org=$(echo "bench passphrase for the owner" |
        "$bin" admin create-owner --org "Bench Law" --email owner@bench.test --password-stdin |
        sed -n 's/.*(\(.*\)).*/\1/p')
    echo "$definition" > "$work/form.json"
    form=$("$bin" forms create --org "$org" --name "Consultation" --definition "$work/form.json" |
        sed -n 's/^Created form \([^:]*\):.*/\1/p')
    out=$work/stdout
    LEADVAULT_TRUSTED_PROXIES=127.0.0.1/32 "$bin" serve --listen 127.0.0.1:0 >"$out" 2>"$work/stderr" &
    pid=$!
    for _ in $(seq 1 100); do grep -q 'is listening on' "$out" 2>/dev/null && break; sleep 0.1; done
    addr=$(sed -n 's/.*is listening on .*(\(.*\))$/\1/p' "$out")
    [ -n "$addr" ] || { echo "serve did not start:" >&2; cat "$work/stderr" >&2; kill "$pid"; exit 1; }
    # Every page is good for one submission: fetch more pages than the run can send, then
    # wait out the minimum fill time.
    LV_PATH="/f/$form" LV_TOKENS="$work/tokens" \
        wrk -t2 -c"$connections" -d"${seconds}s" -s bench/intake_pages.lua "http://$addr" >/dev/null
    cat "$work"/tokens.* > "$work/tokens"
    printf '%-9s %-10s %10s pages fetched for their tokens\n' "$engine" "pages" "$(wc -l < "$work/tokens")"
    sleep 3.2
    printf '%-9s %-10s ' "$engine" "/healthz"
    wrk -t2 -c"$connections" -d"${seconds}s" --latency "http://$addr/healthz" |
        awk '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /Non-2xx/ {bad=$NF}
             END {printf "%10s req/s   p50 %8s   p99 %8s   non-2xx %s\n", rps, p50, p99, (bad==""?0:bad)}' | tee "$work/healthz"
    printf '%-9s %-10s ' "$engine" "submit"
    LV_PATH="/f/$form" LV_BODY="$answers" LV_TOKENS="$work/tokens" \
        wrk -t2 -c"$connections" -d"${seconds}s" --latency -s bench/intake_submit.lua "http://$addr" |
        awk '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /Non-2xx/ {bad=$NF} / requests in / {n=$1}
             END {printf "%10s req/s   p50 %8s   p99 %8s   non-2xx %s   requests %s\n", rps, p50, p99, (bad==""?0:bad), n}' | tee "$work/submit"
    kill -TERM "$pid"; wait "$pid" || true
    healthz=$(awk '{print $1}' "$work/healthz"); submit=$(awk '{print $1}' "$work/submit")
    awk -v h="$healthz" -v s="$submit" -v e="$engine" 'BEGIN {printf "%-9s submissions per /healthz request: %.3f\n", e, s/h}'
    unset LEADVAULT_DATABASE_URL LEADVAULT_DATA_DIR LEADVAULT_LOG_LEVEL
    cp "$work/stderr" /tmp/serve-stderr.log; rm -rf "$work"
}

echo "leadvault $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $(nproc) cores, wrk -t2 -c$connections -d${seconds}s"
run_engine sqlite "sqlite://$(mktemp -d)/bench.db?mode=rwc"
if [ -z "${LV_SQLITE_ONLY:-}" ] && psql -w "$pg_admin" -Atc 'SELECT 1' >/dev/null 2>&1; then
    db=lvbench_$$
    psql -w "$pg_admin" -qc "CREATE DATABASE $db"
    run_engine postgres "${pg_admin%/*}/$db"
    psql -w "$pg_admin" -qc "DROP DATABASE $db WITH (FORCE)"
else
    echo "postgres  skipped: no PostgreSQL at $pg_admin"
fi
