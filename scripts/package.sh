#!/usr/bin/env bash
# Builds target/debian/postgresql-15-pg-jwt-claims_<version>_amd64.deb for Debian 12 and
# PostgreSQL 15 from `cargo pgrx package`. Install it with `apt install ./<file>.deb`.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$REPO"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
root="$REPO/target/debian/root"
rm -rf "$root"
cargo pgrx package --pg-config "$PG15_CONFIG" --features pg15 --no-default-features --out-dir "$root" >/dev/null
mkdir -p "$root/DEBIAN" "$root/usr/share/doc/postgresql-15-pg-jwt-claims"
cp README.md "$root/usr/share/doc/postgresql-15-pg-jwt-claims/"
cat > "$root/DEBIAN/control" <<CONTROL
Package: postgresql-15-pg-jwt-claims
Version: $version
Architecture: $(dpkg --print-architecture)
Maintainer: pg_jwt_claims developers <pg_jwt_claims@localhost>
Depends: postgresql-15, libc6
Section: database
Priority: optional
Description: compiled JWT claim helpers for PostgreSQL Row Level Security
 requesting_user_id(), typed claim readers, Clerk organization and permission
 helpers, and token verification inside PostgreSQL 15.
CONTROL
deb="$REPO/target/debian/postgresql-15-pg-jwt-claims_${version}_$(dpkg --print-architecture).deb"
dpkg-deb --root-owner-group --build "$root" "$deb" >/dev/null
echo "$deb"
