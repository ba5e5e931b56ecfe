#!/usr/bin/env bash
# Our Confluent-framed serde against plain Avro, reported as ratios (see BENCHMARKS.md).
# Runs the four SerdeBenchmark methods in ROUNDS back-to-back JMH runs (default 3, about 70 s each
# on 2 cores) and prints the median of each round's own exchange/plain ratios: wall-clock
# throughput, and throughput per CPU-second (CpuTimeProfiler), which a busy machine barely moves.
# Usage, from the repository root or anywhere: benchmarks/run-serde.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
jar=benchmarks/target/benchmarks.jar

mvn -B -q -pl benchmarks -am package -DskipTests
rm -f benchmarks/target/serde-round-*.json
for round in $(seq 1 "$rounds"); do
  echo "== round $round of $rounds"
  java -jar "$jar" 'SerdeBenchmark' -f 1 -wi 5 -w 2s -i 5 -r 1s \
    -prof gc -prof org.referralexchange.bench.CpuTimeProfiler \
    -rf json -rff "benchmarks/target/serde-round-$round.json"
done
java -cp "$jar" org.referralexchange.bench.RatioTable benchmarks/target/serde-round-*.json
