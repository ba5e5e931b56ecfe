#!/usr/bin/env bash
# Emails per second through the notifier (Kafka in -> render -> SMTP on its kept-open connection ->
# NotificationRecorded out) against a plain Jakarta Mail loop on one connected Transport, both to the
# same GreenMail SMTP server, in one JVM and one run, reported as notifier/plain ratios (see
# BENCHMARKS.md). Starts an in-process KRaft broker and the stand-in registry (test-support's
# ExchangeInfrastructure), GreenMail on 127.0.0.1 and the notifier; about 2½ minutes with the
# defaults, plus the build. Extra arguments go to the harness, e.g.
#   benchmarks/run-notifier.sh --emails=2000 --rounds=5 --warmup-rounds=4 --tick=PT0.01S
# Usage, from the repository root or anywhere: benchmarks/run-notifier.sh [--name=value ...]
set -euo pipefail
cd "$(dirname "$0")/.."

mvn -B -q -pl benchmarks -am package -DskipTests
# The harness runs on the module's class path less the gateway and the adapter, written by the
# build: the notifier alone is what is measured.
classpath="benchmarks/target/classes:$(cat benchmarks/target/notifier-benchmark.classpath)"
exec java -Xms2g -Xmx2g \
  -Dorg.apache.avro.SERIALIZABLE_PACKAGES=org.referralexchange.events.v1 \
  -cp "$classpath" org.referralexchange.bench.NotifierEmailBenchmark "$@"
