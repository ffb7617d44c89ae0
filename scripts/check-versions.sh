#!/usr/bin/env bash
# Type-checks the crate for PostgreSQL versions given as arguments (pg14 …) against the bindings
# pgrx ships pre-generated (the docs.rs path of pgrx-pg-sys), without a server or headers. Every
# version pgrx 0.18 supports, 13 to 18, is built and tested for real by test.sh, so by default
# there is nothing to check; this stays for a version no registry has headers for.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$REPO"
if [ $# -eq 0 ]; then
  echo "== check-versions: 13 to 18 are built and tested; no version is only type-checked"
  exit 0
fi
for v in "$@"; do
  echo "== cargo check --features $v (pre-generated bindings)"
  RUSTC_BOOTSTRAP=1 DOCS_RS=1 cargo -Z profile-rustflags check --locked --quiet \
    --features "$v" --no-default-features --target-dir "$REPO/target/check-versions" \
    --config 'profile.dev.package.pgrx-pg-sys.rustflags=["--cfg","docsrs"]'
done
