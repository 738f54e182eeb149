#!/usr/bin/env bash
# What auditing costs intake: bench/intake.sh run with this tree's binary and with one built
# without the submissions' audit records (the `bench-without-audit` feature of
# leadvault-intake, which exists for this comparison only), alternating, ROUNDS times per
# engine; then the mean of each and their ratio. Prints figures; asserts nothing.
#
#   bench/intake_audit_cost.sh [SECONDS] [CONNECTIONS] [ROUNDS]
#
# LV_ENGINES=sqlite (or postgres) runs one engine only.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
connections=${2:-64}
rounds=${3:-3}
binaries=$(mktemp -d)
trap 'rm -rf "$binaries"' EXIT

cargo build --release -q -p leadvault --features leadvault-intake/bench-without-audit
cp target/release/leadvault "$binaries/unaudited"
cargo build --release -q -p leadvault
cp target/release/leadvault "$binaries/audited"

echo "leadvault $(git rev-parse --short HEAD), $(nproc) cores, wrk -t2 -c$connections -d${seconds}s, $rounds rounds"
for engine in ${LV_ENGINES:-sqlite postgres}; do
    for _ in $(seq 1 "$rounds"); do
        for variant in audited unaudited; do
            LV_BIN="$binaries/$variant" LV_ENGINES=$engine bench/intake.sh "$seconds" "$connections" |
                awk -v v="$variant" -v e="$engine" '$2 == "submit" {rps = $3; p99 = $8}
                    /server CPU per submission/ {cpu = $(NF-1)}
                    /skipped/ {print; exit}
                    END {if (rps != "") printf "%-9s %-10s %10s submissions/s   p99 %8s   CPU %s ms/submission\n", e, v, rps, p99, cpu}'
        done
    done
done | tee "$binaries/runs"
awk '$2 == "audited" || $2 == "unaudited" {sum[$1" "$2] += $3; n[$1" "$2]++; engines[$1] = 1}
     END {for (e in engines) if (n[e" unaudited"] > 0) {
         a = sum[e" audited"] / n[e" audited"]; u = sum[e" unaudited"] / n[e" unaudited"];
         printf "%-9s mean audited %.0f/s, unaudited %.0f/s: audited runs at %.0f%% of unaudited\n", e, a, u, 100 * a / u }}' \
    "$binaries/runs"
