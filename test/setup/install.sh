#!/usr/bin/env bash
# Installs what the integration tests need on a bare machine. Each step is idempotent and says what
# failed and what to do.
set -euo pipefail
here="$(dirname "$0")"
bash "$here/python-deps.sh" || { echo "error: installing Python test packages failed (pip install deltalake pyarrow 'moto[server]')"; exit 1; }
