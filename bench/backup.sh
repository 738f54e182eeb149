#!/usr/bin/env bash
# How long a backup and its verification take on an installation with much analytics, how
# much memory they use and how large the archive is: makes EVENTS made-up events over DAYS
# days (`leadvault analytics generate`), then times `leadvault backup create` (snapshot,
# encrypt, write to a local directory, verify by restoring into scratch) and `leadvault backup
# verify` (with the operator's key) under `/usr/bin/time -v`. On SQLite and (when reachable)
# PostgreSQL. Prints figures; asserts nothing.
#
#   bench/backup.sh [EVENTS] [DAYS]      (default 10000000 30)
#
# LV_BIN=/path/to/leadvault runs that binary; LV_ENGINES=sqlite (or postgres) one engine.
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-10000000}
days=${2:-30}
connections=-; seconds=-
. bench/lib.sh
[ -x /usr/bin/time ] || { echo "/usr/bin/time is missing: apt-get install time" >&2; exit 1; }

# timed LABEL COMMAND...: runs it, prints wall time, peak memory and its last line.
timed() {
    local label=$1 out
    shift
    out=$(mktemp)
    /usr/bin/time -v "$@" >"$out.stdout" 2>"$out"
    printf '%-9s %-8s %8s s   peak %7s MB   %s\n' "$engine" "$label" \
        "$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$out")" \
        "$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$out")" \
        "$(tail -n 1 "$out.stdout")"
    rm -f "$out" "$out.stdout"
}

run_engine() {
    local engine=$1 database_url=$2 work site public
    work=$(mktemp -d)
    export LEADVAULT_DATABASE_URL=$database_url LEADVAULT_DATA_DIR=$work/data LEADVAULT_LOG_LEVEL=warn
    site=$(make_site bench.example)
    printf '%-9s ' "$engine"; "$bin" analytics generate --site "$site" --events "$events" --days "$days"
    public=$("$bin" backup keygen --out "$work/backup-key.txt" 2>/dev/null)
    export LEADVAULT_BACKUP_DESTINATION=$work/backups LEADVAULT_BACKUP_RECIPIENTS=$public
    case $engine in
        sqlite) echo "$engine    database files $(du -cm "${database_url#sqlite://}" "$(dirname "${database_url#sqlite://}")"/*-analytics.db 2>/dev/null | tail -n 1 | cut -f1) MB" ;;
        postgres) echo "$engine    database $(psql -w "$database_url" -Atc 'SELECT pg_database_size(current_database()) / 1000000') MB" ;;
    esac
    timed create "$bin" backup create
    timed verify "$bin" backup verify latest --identity "$work/backup-key.txt"
    echo "$engine    archive $(du -m "$work"/backups/*.tar.age | cut -f1) MB"
    unset LEADVAULT_DATABASE_URL LEADVAULT_DATA_DIR LEADVAULT_LOG_LEVEL LEADVAULT_BACKUP_DESTINATION LEADVAULT_BACKUP_RECIPIENTS
    rm -rf "$work"
}

on_engines run_engine
