#!/bin/bash
# Entrypoint of the kafka service in docker-compose.yml. The apache/kafka image formats storage
# itself but cannot add SCRAM credentials while doing so, and with SASL/SCRAM on every client
# listener no client could log in to add them later. So, before the image's own entrypoint runs:
#   1. on the first start (no meta.properties yet), format the data folder with the SCRAM
#      credential of the super user admin (kafka-storage.sh format --add-scram);
#   2. write /tmp/admin-client.properties, the admin's client settings, for the healthcheck.
# The image's entrypoint then formats again, which fails with "already formatted" and which it
# ignores, and starts the broker. The services' users are added by kafka-init, as admin.
set -euo pipefail

: "${CLUSTER_ID:?}" "${KAFKA_LOG_DIRS:?}" "${SCRAM_ADMIN_PASSWORD:?}"

if [ ! -f "${KAFKA_LOG_DIRS}/meta.properties" ]; then
  # The settings StorageTool reads, from the same KAFKA_* variables the image renders.
  format_config=$(mktemp)
  cat > "${format_config}" <<PROPERTIES
process.roles=${KAFKA_PROCESS_ROLES}
node.id=${KAFKA_NODE_ID}
controller.quorum.voters=${KAFKA_CONTROLLER_QUORUM_VOTERS}
controller.listener.names=${KAFKA_CONTROLLER_LISTENER_NAMES}
listeners=${KAFKA_LISTENERS}
listener.security.protocol.map=${KAFKA_LISTENER_SECURITY_PROTOCOL_MAP}
inter.broker.listener.name=${KAFKA_INTER_BROKER_LISTENER_NAME}
sasl.enabled.mechanisms=${KAFKA_SASL_ENABLED_MECHANISMS}
sasl.mechanism.inter.broker.protocol=${KAFKA_SASL_MECHANISM_INTER_BROKER_PROTOCOL}
log.dirs=${KAFKA_LOG_DIRS}
PROPERTIES
  echo "===> Formatting ${KAFKA_LOG_DIRS} with the SCRAM-SHA-512 credential of admin"
  /opt/kafka/bin/kafka-storage.sh format --cluster-id "${CLUSTER_ID}" -c "${format_config}" \
    --add-scram "SCRAM-SHA-512=[name=admin,password=${SCRAM_ADMIN_PASSWORD}]"
  rm -f "${format_config}"
fi

umask 077
cat > /tmp/admin-client.properties <<PROPERTIES
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${SCRAM_ADMIN_PASSWORD}";
PROPERTIES
unset SCRAM_ADMIN_PASSWORD

exec /etc/kafka/docker/run
