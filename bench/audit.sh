#!/usr/bin/env bash
# What auditing costs a write: a minimal write transaction with and without its audit record,
# on SQLite and (when the local server answers) PostgreSQL. Prints figures; asserts nothing.
#
#   bench/audit.sh
set -euo pipefail
cd "$(dirname "$0")/.."
echo "leadvault $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $(nproc) cores"
if psql -w -h 127.0.0.1 -U postgres -d postgres -Atc 'SELECT 1' >/dev/null 2>&1; then
    psql -q -h 127.0.0.1 -U postgres -d postgres -c 'DROP DATABASE IF EXISTS lv_bench_audit' -c 'CREATE DATABASE lv_bench_audit'
    trap "psql -q -h 127.0.0.1 -U postgres -d postgres -c 'DROP DATABASE IF EXISTS lv_bench_audit'" EXIT
    export LV_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/lv_bench_audit
fi
cargo bench -q -p leadvault-audit --bench append 2>/dev/null
