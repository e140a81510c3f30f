#!/usr/bin/env bash
# Installs the Python packages the integration tests drive (delta-rs reader, pyarrow, moto's S3 server).
# Idempotent and quiet: a package that already imports is not installed again.
set -euo pipefail
PY="${PYTHON:-python3}"
need=()
"$PY" -c 'import deltalake' 2>/dev/null || need+=(deltalake)
"$PY" -c 'import pyarrow' 2>/dev/null || need+=(pyarrow)
"$PY" -c 'import moto.server, flask, flask_cors' 2>/dev/null || need+=('moto[server]')
if [ "${#need[@]}" -gt 0 ]; then
  "$PY" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "${need[@]}"
fi
