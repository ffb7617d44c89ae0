#!/usr/bin/env bash
# Builds the documentation site (docs/, mkdocs.yml) into target/docs-site with mkdocs in strict
# mode: a broken link, an unknown anchor or a page missing from the navigation fails the build.
# mkdocs and mkdocs-material come from PyPI, pinned in docs/requirements.txt, into a virtualenv
# under $PGJC_OPT (reinstalled when the pins change). Open target/docs-site/index.html to read it.
set -euo pipefail
source "$(dirname "$0")/env.sh"
venv="$PGJC_OPT/docs-venv"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
if ! cmp -s "$REPO/docs/requirements.txt" "$venv/requirements.txt" 2>/dev/null; then
  echo "docs: installing the site generator (docs/requirements.txt) into $venv"
  $SUDO mkdir -p "$PGJC_OPT"
  $SUDO python3 -m venv "$venv"
  $SUDO "$venv/bin/pip" install -q -r "$REPO/docs/requirements.txt"
  $SUDO cp "$REPO/docs/requirements.txt" "$venv/requirements.txt"
fi
cd "$REPO"
NO_MKDOCS_2_WARNING=1 "$venv/bin/mkdocs" build --strict --clean --config-file mkdocs.yml --site-dir "$REPO/target/docs-site"
echo "docs: built target/docs-site ($(find target/docs-site -name '*.html' | wc -l) pages)"
