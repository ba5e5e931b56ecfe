#!/usr/bin/env bash
# End to end at a fixed arrival rate: POST /api/v1/referrals -> gateway -> adapter -> signed webhook
# to the demo provider -> its "accepted" callback -> adapter -> notifier -> email in GreenMail,
# against plain Kafka clients moving the same Avro records through the same two hops, in one JVM
# and one run: the highest sustained rate of each, and latency percentiles at half of it (see
# BENCHMARKS.md). Starts an in-process KRaft broker, the stand-in registry, GreenMail, the demo
# webhook provider and the three services; about 5 minutes with the defaults, plus the build.
# Extra arguments go to the harness, e.g.
#   benchmarks/run-e2e.sh --rates=25,50,100,200,400 --step-seconds=10 --half-seconds=20 --tick=PT0.02S
# Usage, from the repository root or anywhere: benchmarks/run-e2e.sh [--name=value ...]
set -euo pipefail
cd "$(dirname "$0")/.."

mvn -B -q -pl benchmarks -am package -DskipTests
# All three services, the demo providers and GreenMail on one class path, as the local launcher
# runs them (each service reads its own <service>.yml), written by the build.
classpath="benchmarks/target/classes:$(cat benchmarks/target/e2e-benchmark.classpath)"
exec java -Xms2g -Xmx2g \
  -Dorg.apache.avro.SERIALIZABLE_PACKAGES=org.referralexchange.events.v1 \
  -cp "$classpath" org.referralexchange.bench.EndToEndBenchmark "$@"
