#!/usr/bin/env bash
# Type-checks the crate for the PostgreSQL versions no registry reachable here has a server and
# headers for (14, 16) against the bindings pgrx ships pre-generated (the docs.rs path of
# pgrx-pg-sys), so the pg13…pg18 features keep compiling. 13, 15, 17 and 18 are built and tested
# for real by test.sh.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$REPO"
for v in ${1:-pg14 pg16}; do
  echo "== cargo check --features $v (pre-generated bindings)"
  RUSTC_BOOTSTRAP=1 DOCS_RS=1 cargo -Z profile-rustflags check --locked --quiet \
    --features "$v" --no-default-features --target-dir "$REPO/target/check-versions" \
    --config 'profile.dev.package.pgrx-pg-sys.rustflags=["--cfg","docsrs"]'
done
