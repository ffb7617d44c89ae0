#!/usr/bin/env bash
# Checks that scripts/demo.sh, which builds with plain `cargo build` and copies files, installs
# what `cargo pgrx install` installs (PostgreSQL 15, release): the same files, the same control
# file, the same SQL scripts (the current release's script as the code generates it, pgrx's
# source-line comments aside) and a library built from the same sources (the same exported
# symbols). Both installs are staged under a directory; nothing is installed into PostgreSQL.
set -euo pipefail
source "$(dirname "$0")/env.sh"
work="$PGJC_RUN/demo-install-check"
rm -rf "$work"; mkdir -p "$work"
cd "$REPO"
# `cargo pgrx package` runs `cargo pgrx install`'s install into a directory of its choice.
cargo pgrx package --pg-config "$PG15_CONFIG" --features pg15 --no-default-features --out-dir "$work/pgrx" >/dev/null
PGJC_DEMO_STAGE="$work/demo" bash "$REPO/scripts/demo.sh" >/dev/null
ext="$("$PG15_CONFIG" --sharedir)/extension"; lib="$("$PG15_CONFIG" --pkglibdir)"
status=0
fail() { echo "demo-install-check: $*"; status=1; }

for d in "$ext" "$lib"; do
  if ! diff -u <(cd "$work/pgrx$d" && ls) <(cd "$work/demo$d" && ls) > "$work/files.diff"; then
    fail "the files in $d differ (- cargo pgrx install, + demo.sh):"; cat "$work/files.diff"
  fi
done
# A script as a sorted list of pgrx's "connected objects", without the \echo guard and pgrx's
# source-line comments: pgrx orders the objects by a dependency graph, not stably.
objects() {
  python3 - "$1" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
text = re.sub(r'(?m)^\\echo .*\n|^-- [^ ]+\.rs:[0-9]+\n', '', text)
blocks = re.split(r'/\* <begin connected objects> \*/|/\* </end connected objects> \*/', text)
print('\n----\n'.join(sorted(b.strip() for b in blocks if b.strip())))
PY
}
for f in "$work/pgrx$ext"/*; do
  name=$(basename "$f"); other="$work/demo$ext/$name"
  [ -f "$other" ] || continue
  if ! diff -u <(objects "$f") <(objects "$other") > "$work/$name.diff"; then
    fail "$name differs (- cargo pgrx install, + demo.sh):"; head -40 "$work/$name.diff"
  fi
done
symbols() { nm -D --defined-only "$1" | awk '{print $3}' | sort; }
if ! diff -u <(symbols "$work/pgrx$lib/pg_jwt_claims.so") <(symbols "$work/demo$lib/pg_jwt_claims.so") > "$work/symbols.diff"; then
  fail "the libraries export different symbols (- cargo pgrx install, + demo.sh):"; head -40 "$work/symbols.diff"
fi
[ "$status" = 0 ] || exit 1
same=""; cmp -s "$work/pgrx$lib/pg_jwt_claims.so" "$work/demo$lib/pg_jwt_claims.so" && same=", byte for byte"
echo "demo-install-check: demo.sh installs what cargo pgrx install does: $(ls "$work/demo$ext" | wc -l) files in extension/, the library$same"
