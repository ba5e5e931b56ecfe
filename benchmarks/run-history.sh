#!/usr/bin/env bash
# State that scales with history: writes N referrals of finished history onto the topics
# of an in-process KRaft broker, then starts each service alone as a child JVM, cold and warm, and
# reports its time to ready and its live heap after a full GC (see BENCHMARKS.md). About 5 minutes
# for N=100k plus the build; N=1M writes 9x more and restores 10x more per start.
# Extra arguments go to the harness, e.g.
#   benchmarks/run-history.sh --n=100000 --services=gateway,adapter,notifier --heap=4g
# Usage, from the repository root or anywhere: benchmarks/run-history.sh [--name=value ...]
set -euo pipefail
cd "$(dirname "$0")/.."

mvn -B -q -pl benchmarks -am package -DskipTests
# The services' child JVMs run on this same class path (ChildService), written by the build.
classpath="benchmarks/target/classes:$(cat benchmarks/target/history-benchmark.classpath)"
exec java -Xms2g -Xmx2g \
  -Dorg.apache.avro.SERIALIZABLE_PACKAGES=org.referralexchange.events.v1 \
  -cp "$classpath" org.referralexchange.bench.HistoryBenchmark "$@"
