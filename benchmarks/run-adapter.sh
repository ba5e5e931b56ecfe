#!/usr/bin/env bash
# The agency adapter's Kafka-in -> consent check -> decrypt -> translate -> HTTP deliver -> Kafka-out
# hop, with a webhook provider that answers 202 at once, against a plain KafkaConsumer ->
# KafkaProducer relay with the same serde, in one JVM and one run, reported as adapter/plain ratios
# (see BENCHMARKS.md). Starts an in-process KRaft broker, the stand-in registry, the provider
# stand-in and the adapter; about 3 minutes with the defaults, plus the build. Extra arguments go to
# the harness, e.g.
#   benchmarks/run-adapter.sh --events=3000 --rounds=5 --warmup-rounds=6 --tick=PT0.01S
# Usage, from the repository root or anywhere: benchmarks/run-adapter.sh [--name=value ...]
set -euo pipefail
cd "$(dirname "$0")/.."

mvn -B -q -pl benchmarks -am package -DskipTests
# The harness runs on the module's class path less the gateway, written by the build: the
# adapter alone is what is measured.
classpath="benchmarks/target/classes:$(cat benchmarks/target/adapter-benchmark.classpath)"
exec java -Xms2g -Xmx2g \
  -Dorg.apache.avro.SERIALIZABLE_PACKAGES=org.referralexchange.events.v1 \
  -cp "$classpath" org.referralexchange.bench.AdapterRelayBenchmark "$@"
