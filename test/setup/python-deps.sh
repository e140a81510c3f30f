#!/usr/bin/env bash
# Installs the Python packages the integration tests drive: delta-rs (deltalake), pyarrow, Polars,
# pyiceberg and moto's S3 server; with the argument `spark`, also pyspark + delta-spark (whose jars Spark fetches from Maven
# Central on first use and caches in ~/.ivy2*). Idempotent and quiet: what already imports is skipped.
set -euo pipefail
PY="${PYTHON:-python3}"
need=()
"$PY" -c 'import deltalake' 2>/dev/null || need+=(deltalake)
"$PY" -c 'import pyarrow' 2>/dev/null || need+=(pyarrow)
"$PY" -c 'import polars' 2>/dev/null || need+=(polars)
"$PY" -c 'import pyiceberg' 2>/dev/null || need+=(pyiceberg)
"$PY" -c 'import moto.server, flask, flask_cors' 2>/dev/null || need+=('moto[server]')
if [ "${1:-}" = spark ]; then
  # delta-spark 4.4.0 is the newest whose jar (delta-spark_4.2_2.13) is on Maven Central for pyspark 4.2.
  "$PY" -c 'import importlib.metadata as m, sys; sys.exit(m.version("delta-spark") != "4.4.0" or not m.version("pyspark").startswith("4.2."))' 2>/dev/null \
    || need+=('pyspark==4.2.0' 'delta-spark==4.4.0')
fi
if [ "${#need[@]}" -gt 0 ]; then
  "$PY" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "${need[@]}"
fi
