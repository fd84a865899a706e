#!/usr/bin/env bash
# Run the command given as arguments with a scratch PostgreSQL server on
# loopback, so the journal's PostgreSQL tests run for real
# (PAPER_TERMINAL_TEST_PG_URL). When no server can be had (no binaries and no
# root to install them), the command runs without it and those tests skip.
set -uo pipefail

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

bin=$(find_bin)
if [ -z "$bin" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing PostgreSQL for the journal's PostgreSQL tests"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null) \
        || echo "could not install PostgreSQL; its tests will be skipped"
    bin=$(find_bin)
fi
if [ -z "$bin" ] || [ -n "${PAPER_TERMINAL_TEST_PG_URL:-}" ]; then
    [ -z "$bin" ] && echo "no PostgreSQL server here: the journal's PostgreSQL tests will be skipped"
    exec "$@"
fi

dir=$(mktemp -d)
as_pg=()
if [ "$(id -u)" = 0 ]; then        # initdb refuses to run as root
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$dir"
    as_pg=(runuser -u postgres --)
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
stop() { "${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1; rm -rf "$dir"; }
if "${as_pg[@]}" "$bin/initdb" -D "$dir/data" -A trust -U postgres >/dev/null 2>&1 \
    && "${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null \
    && "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres paper_test; then
    trap stop EXIT
    export PAPER_TERMINAL_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:$port/paper_test"
    echo "scratch PostgreSQL on 127.0.0.1:$port for the journal's PostgreSQL tests"
else
    echo "could not start a scratch PostgreSQL; its tests will be skipped"
    [ -f "$dir/log" ] && tail -n 5 "$dir/log"
    stop
fi
"$@"
