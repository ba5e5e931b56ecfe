#!/usr/bin/env bash
# POST /api/v1/referrals (answered after the broker's ack) against two baselines at the same
# concurrency, in one JVM and one run: a minimal Spring Boot endpoint on the same stack that validates
# the same JSON and publishes with KafkaTemplate.send().get(), and a plain
# KafkaProducer.send().get() loop with the same serializer; reported as gateway/minimal and
# gateway/plain ratios (see BENCHMARKS.md). Starts an in-process KRaft broker, the stand-in registry,
# the gateway and the minimal endpoint; about 7 minutes with the defaults, plus the build. Extra
# arguments go to the harness, e.g.
#   benchmarks/run-gateway.sh --concurrency=8,1 --seconds=15 --rounds=3 --profile-seconds=10 --profile-mode=both
# Usage, from the repository root or anywhere: benchmarks/run-gateway.sh [--name=value ...]
set -euo pipefail
cd "$(dirname "$0")/.."

mvn -B -q -pl benchmarks -am package -DskipTests
# The harness runs on the module's full class path (its gateway, registry and broker dependencies
# are kept out of the shaded JMH jar), written by the build.
classpath="benchmarks/target/classes:$(cat benchmarks/target/gateway-benchmark.classpath)"
exec java -Xms2g -Xmx2g \
  -Dorg.apache.avro.SERIALIZABLE_PACKAGES=org.referralexchange.events.v1 \
  -cp "$classpath" org.referralexchange.bench.GatewayPublishBenchmark "$@"
