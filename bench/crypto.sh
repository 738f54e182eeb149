#!/usr/bin/env bash
# Encryption and key hierarchy figures: field encryption, streaming file encryption against
# raw AES-256-GCM, and the key hierarchy with the local provider and with SoftHSM2 over
# PKCS#11 (a fresh token in a temporary directory). Prints figures; asserts nothing.
#
#   bench/crypto.sh
set -euo pipefail
cd "$(dirname "$0")/.."
echo "leadvault $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $(nproc) cores"
cargo bench -q -p leadvault-crypto --bench crypto 2>/dev/null
module=""
for candidate in /usr/lib/softhsm/libsofthsm2.so /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so; do
    [ -f "$candidate" ] && module=$candidate && break
done
if [ -n "$module" ] && command -v softhsm2-util >/dev/null; then
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    mkdir "$work/tokens"
    printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$work" > "$work/softhsm2.conf"
    export SOFTHSM2_CONF=$work/softhsm2.conf
    softhsm2-util --init-token --free --label bench --pin 1234-bench --so-pin 5678-bench >/dev/null
    export LV_BENCH_PKCS11_MODULE=$module LV_BENCH_PKCS11_TOKEN=bench LV_BENCH_PKCS11_PIN=1234-bench
fi
cargo bench -q -p leadvault-keys --bench keys 2>/dev/null
