# A throwaway PostgreSQL 15 for tests and the demo (source this file).
#   pg_start DIR   initialises (once) and starts a server in DIR on a free
#                  port on 127.0.0.1; sets PG_PORT and ATTUNE_DATABASE_URL.
#   pg_stop DIR    stops it (fast shutdown) and waits until it is gone.
# As root the server runs as the 'postgres' user; otherwise as the caller.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

_pg_run() {  # run a command as the server's owner
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

_pg_free_port() {
  /usr/bin/python3 - <<'PY'
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

pg_start() {
  local dir=$1
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)  # absolute: the server runs from another folder
  if [ "$(id -u)" -eq 0 ]; then
    # The postgres user must be able to reach the folder; if the checkout lives
    # somewhere it cannot traverse, fall back to a private folder under /tmp.
    if ! runuser -u postgres -- test -x "$dir"; then
      local alt=/tmp/attune-pg-$(echo "$dir" | md5sum | cut -c1-12)
      echo "pg: $dir is not reachable by the postgres user; using $alt" >&2
      ln -sfn "$alt" "$dir.link" 2>/dev/null || true
      dir=$alt; mkdir -p "$dir"
    fi
    chown postgres:postgres "$dir"
  fi
  PG_DIR=$dir
  local data=$dir/data sock=$dir/sock
  _pg_run mkdir -p "$sock"; _pg_run chmod 755 "$sock"
  if [ ! -f "$data/PG_VERSION" ]; then
    _pg_run "$PG_BIN/initdb" -D "$data" --auth=trust -U postgres -E UTF8 >/dev/null
  fi
  # A server left over from an interrupted run: stop it first.
  if [ -f "$data/postmaster.pid" ]; then
    _pg_run "$PG_BIN/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true
    rm -f "$data/postmaster.pid"
  fi
  PG_PORT=${PG_PORT:-$(_pg_free_port)}
  local extra=""
  [ "${PG_FSYNC_OFF:-0}" = 1 ] && extra="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  _pg_run "$PG_BIN/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
    -o "-p $PG_PORT -k $sock -c listen_addresses=127.0.0.1 -c max_connections=200 $extra" start >/dev/null
  _pg_run "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -qtAc \
    "SELECT 1 FROM pg_database WHERE datname='attune'" | grep -q 1 ||
    _pg_run "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -qc "CREATE DATABASE attune" >/dev/null
  export PG_PORT PG_DIR
  export ATTUNE_DATABASE_URL="host=127.0.0.1 port=$PG_PORT user=postgres dbname=attune"
  echo "pg: PostgreSQL 15 on 127.0.0.1:$PG_PORT ($data)" >&2
}

pg_stop() {
  local dir=${1:-$PG_DIR}
  [ -d "$dir" ] && dir=$(cd "$dir" && pwd)
  [ -L "$dir.link" ] && dir=$(readlink "$dir.link")
  local data=$dir/data
  [ -f "$data/postmaster.pid" ] || return 0
  local pid; pid=$(head -1 "$data/postmaster.pid")
  _pg_run "$PG_BIN/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
  # A stopped server can linger briefly: wait for the process itself.
  for _ in $(seq 1 50); do
    [ -d "/proc/$pid" ] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null || break
    sleep 0.1
  done
  echo "pg: stopped" >&2
}
