#!/usr/bin/env bash
# Installs what the integration tests need on a bare machine. Each step is idempotent and says what
# failed and what to do.
set -euo pipefail
here="$(dirname "$0")"
root="$here/../.."
bash "$here/python-deps.sh" spark || { echo "error: installing Python test packages failed (deltalake, pyarrow, polars, pyiceberg, moto[server], schemathesis, pyspark, delta-spark)"; exit 1; }
bash "$here/iceberg-rest.sh" >/dev/null || { echo "error: installing the Iceberg REST catalog jars from Maven Central failed (see above)"; exit 1; }
if ! command -v tmux >/dev/null; then
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux; } >/dev/null || { echo "error: installing tmux failed (apt-get install tmux)"; exit 1; }
fi
# PostgreSQL and MariaDB from Debian, Kafka, Kafka Connect and Debezium jars from Maven Central (cached).
bash "$root/compose/local/up" --install-only || { echo "error: installing PostgreSQL, MariaDB and the Kafka/Debezium jars failed (see above)"; exit 1; }
