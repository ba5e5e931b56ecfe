#!/usr/bin/env bash
# Runs the whole exchange on embedded defaults: a real Kafka broker (child process, data kept in
# ./.local/kafka), then in one JVM the stand-in schema registry, the gateway, the adapter, the
# notifier, the demo providers and the mail and SMS catchers (client data sealed with the keyset
# ./.local/keys/client-data.json, created on the first run), and prints every address and the demo
# API keys. Needs only a JDK 17+ and Maven. Ctrl-C stops everything.
#
#   ./run-local.sh                                  build if sources changed, then run
#   ./run-local.sh --exchange.kafka.port=19092      any setting of LocalSettings as --name=value
#   REBUILD=1 ./run-local.sh                        force the build
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
launched_at_ms=$(( $(date +%s%N) / 1000000 ))
jar=local-exchange/target/local-exchange.jar

# Build when the launcher is missing or any pom or source is newer than it.
needs_build() {
  [[ "${REBUILD:-0}" == "1" || ! -f "$jar" || ! -d local-exchange/target/kafka-libs ]] && return 0
  [[ -n "$(find . -path ./.local -prune -o -path '*/target' -prune -o -path ./.git -prune \
      -o \( -name pom.xml -o -path '*/src/*' \) -type f -newer "$jar" -print -quit)" ]]
}

if needs_build; then
  echo "[run-local] building (mvn -B -q -DskipTests install) ..."
  build_started=$SECONDS
  mvn -B -q -DskipTests install
  echo "[run-local] build took $(( SECONDS - build_started )) s"
else
  echo "[run-local] build is up to date ($jar)"
fi

exec java \
  -Dorg.apache.avro.SERIALIZABLE_PACKAGES=org.referralexchange.events.v1 \
  -Dexchange.launched-at="$launched_at_ms" \
  -jar "$jar" "$@"
