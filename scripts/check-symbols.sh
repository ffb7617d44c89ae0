#!/usr/bin/env bash
# Checks that a built library exports every C symbol any script in sql/ or any earlier release's
# base script (tests/upgrade/released/) names, each with its pg_finfo_ record: released scripts
# are never edited, so the library keeps answering to the symbols of every earlier release. Usage: check-symbols.sh path/to/pg_jwt_claims.so
set -euo pipefail
source "$(dirname "$0")/env.sh"
so=${1:?usage: check-symbols.sh path/to/pg_jwt_claims.so}
exported=$(nm -D --defined-only "$so" | awk '{print $NF}' | sort -u)
wanted=$(grep -oh "'MODULE_PATHNAME', '[A-Za-z_0-9]*'" "$REPO"/sql/*.sql "$REPO"/tests/upgrade/released/*.sql | sed "s/.*, '\(.*\)'/\1/" | sort -u)
missing=0
for symbol in $wanted; do
  for name in "$symbol" "pg_finfo_$symbol"; do
    if ! grep -qx "$name" <<<"$exported"; then
      echo "check-symbols: $so does not export $name, which a release script names"; missing=1
    fi
  done
done
[ $missing = 0 ] && echo "check-symbols: $(wc -w <<<"$wanted") symbols that release scripts name are exported, each with its pg_finfo_ record"
exit $missing
