# What the HTTP benchmarks share; sourced by them, not run. Expects `set -euo pipefail` and
# the repository root as the working directory.
#
#   LV_BIN=/path/to/leadvault   run that binary instead of building this tree (for A/B runs)
#   LV_ENGINES="sqlite"         the engines to run (default: sqlite postgres)

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
if [ -n "${LV_BIN:-}" ]; then
    bin=$LV_BIN
else
    cargo build --release -q
    bin=$PWD/target/release/leadvault
fi
pg_admin=${LV_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}

# Reads `wrk --latency` output; prints requests per second, p50, p99, non-2xx answers and
# requests sent, on one line.
wrk_summary() {
    awk '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /Non-2xx/ {bad=$NF} / requests in / {n=$1}
         END {printf "%10s req/s   p50 %8s   p99 %8s   non-2xx %s   requests %s\n", rps, p50, p99, (bad==""?0:bad), n}'
}

# start_serve WORK [SERVE ARGS...]: starts `serve` on a random loopback port, its output in
# WORK; sets serve_pid and serve_addr.
start_serve() {
    local work=$1
    shift
    "$bin" serve --listen 127.0.0.1:0 "$@" >"$work/stdout" 2>"$work/stderr" &
    serve_pid=$!
    for _ in $(seq 1 100); do grep -q 'is listening on' "$work/stdout" 2>/dev/null && break; sleep 0.1; done
    serve_addr=$(sed -n 's/.*is listening on .*(\(.*\))$/\1/p' "$work/stdout")
    [ -n "$serve_addr" ] || { echo "serve did not start:" >&2; cat "$work/stderr" >&2; kill "$serve_pid"; exit 1; }
}

# serve_cpu_ms: the CPU time (user and system) the server has used so far, in ms. Per
# request, a figure that the machine's speed from one minute to the next sways less than
# requests per second.
serve_cpu_ms() {
    awk -v tck="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / tck)}' "/proc/$serve_pid/stat"
}

stop_serve() {
    kill -TERM "$serve_pid"
    wait "$serve_pid" || true
}

# on_engines RUN: the header line, then `RUN ENGINE DATABASE_URL` on a fresh SQLite file and
# on a fresh PostgreSQL database (dropped after) when one answers.
on_engines() {
    local run=$1 engines=${LV_ENGINES:-sqlite postgres}
    echo "leadvault $(git rev-parse --short HEAD 2>/dev/null || echo unknown)${LV_BIN:+ (binary $LV_BIN)}, $(nproc) cores, wrk -t2 -c$connections -d${seconds}s"
    case " $engines " in *" sqlite "*) "$run" sqlite "sqlite://$(mktemp -d)/bench.db?mode=rwc" ;; esac
    case " $engines " in *" postgres "*) ;; *) return 0 ;; esac
    if psql -w "$pg_admin" -Atc 'SELECT 1' >/dev/null 2>&1; then
        local db=lvbench_$$
        psql -w "$pg_admin" -qc "CREATE DATABASE $db"
        "$run" postgres "${pg_admin%/*}/$db"
        psql -w "$pg_admin" -qc "DROP DATABASE $db WITH (FORCE)"
    else
        echo "postgres  skipped: no PostgreSQL at $pg_admin"
    fi
}

# make_site DOMAIN: creates an owner and their organization, and a site with this domain, in
# the database LEADVAULT_DATABASE_URL names; prints the site's id.
make_site() {
    local org
    org=$(echo "bench passphrase for the owner" |
        "$bin" admin create-owner --org "Bench Law" --email owner@bench.test --password-stdin |
        sed -n 's/.*(\(.*\)).*/\1/p')
    "$bin" sites add --org "$org" --domain "$1" | sed -n 's/^Added site \([^:]*\):.*/\1/p'
}
