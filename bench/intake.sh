#!/usr/bin/env bash
# Durable consultation submissions per second through HTTP, on SQLite and (when reachable)
# PostgreSQL, with everything on: answer checking, the prohibited-data guard, encryption per
# data class, blind indexes, history and the audit record in the submission's transaction.
# Also /healthz in the same run, for the ratio. Prints figures; asserts nothing.
#
#   bench/intake.sh [SECONDS] [CONNECTIONS]
#
# To compare two builds, A/B, alternating: LV_BIN=/path/to/leadvault runs that binary instead
# of building this tree, and LV_ENGINES=sqlite (or postgres) runs one engine only.
# LV_KEEP_STDERR=FILE copies the server's stderr there at the end.
#
# A 2xx answer means the lead is committed: "requests" is how many were sent, "non-2xx" how
# many of them were not accepted.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
connections=${2:-64}
. bench/lib.sh
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
    local engine=$1 database_url=$2 work org form
    work=$(mktemp -d)
    export LEADVAULT_DATABASE_URL=$database_url LEADVAULT_DATA_DIR=$work/data LEADVAULT_LOG_LEVEL=warn
    org=$(echo "bench passphrase for the owner" |
        "$bin" admin create-owner --org "Bench Law" --email owner@bench.test --password-stdin |
        sed -n 's/.*(\(.*\)).*/\1/p')
    echo "$definition" > "$work/form.json"
    form=$("$bin" forms create --org "$org" --name "Consultation" --definition "$work/form.json" |
        sed -n 's/^Created form \([^:]*\):.*/\1/p')
    LEADVAULT_TRUSTED_PROXIES=127.0.0.1/32 start_serve "$work"
    # Every page is good for one submission: fetch more pages than the run can send, then
    # wait out the minimum fill time.
    LV_PATH="/f/$form" LV_TOKENS="$work/tokens" \
        wrk -t2 -c"$connections" -d"${seconds}s" -s bench/intake_pages.lua "http://$serve_addr" >/dev/null
    cat "$work"/tokens.* > "$work/tokens"
    printf '%-9s %-10s %10s pages fetched for their tokens\n' "$engine" "pages" "$(wc -l < "$work/tokens")"
    sleep 3.2
    printf '%-9s %-10s ' "$engine" "/healthz"
    wrk -t2 -c"$connections" -d"${seconds}s" --latency "http://$serve_addr/healthz" |
        wrk_summary | tee "$work/healthz"
    printf '%-9s %-10s ' "$engine" "submit"
    cpu_before=$(serve_cpu_ms)
    LV_PATH="/f/$form" LV_BODY="$answers" LV_TOKENS="$work/tokens" \
        wrk -t2 -c"$connections" -d"${seconds}s" --latency -s bench/intake_submit.lua "http://$serve_addr" |
        wrk_summary | tee "$work/submit"
    cpu_used=$(( $(serve_cpu_ms) - cpu_before ))
    stop_serve
    [ -z "${LV_KEEP_STDERR:-}" ] || cp "$work/stderr" "$LV_KEEP_STDERR"
    healthz=$(awk '{print $1}' "$work/healthz"); submit=$(awk '{print $1}' "$work/submit")
    awk -v h="$healthz" -v s="$submit" -v e="$engine" 'BEGIN {printf "%-9s submissions per /healthz request: %.3f\n", e, s/h}'
    sent=$(awk '{print $NF}' "$work/submit")
    awk -v c="$cpu_used" -v n="$sent" -v e="$engine" 'BEGIN {printf "%-9s server CPU per submission: %.3f ms\n", e, c/n}'
    unset LEADVAULT_DATABASE_URL LEADVAULT_DATA_DIR LEADVAULT_LOG_LEVEL
    rm -rf "$work"
}

on_engines run_engine
