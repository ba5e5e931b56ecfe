#!/bin/bash
# The kafka-init service of docker-compose.yml: once the broker is healthy, as the super user
# admin, (1) sets the SCRAM-SHA-512 password of each service's user, (2) creates the topics of
# org.referralexchange.schemas.Topics with their dead-letter topics, and the registry's _schemas,
# (3) grants each user the ACLs of docs/kafka-security.md, nothing more. Every step is idempotent:
# run it again (docker compose run --rm kafka-init) after changing a password in .env to rotate it.
set -euo pipefail

: "${KAFKA_BOOTSTRAP:?}" "${SCRAM_ADMIN_PASSWORD:?}"
bin=/opt/kafka/bin
admin_config=$(mktemp)
trap 'rm -f "${admin_config}"' EXIT
cat > "${admin_config}" <<PROPERTIES
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${SCRAM_ADMIN_PASSWORD}";
PROPERTIES
as_admin=(--bootstrap-server "${KAFKA_BOOTSTRAP}" --command-config "${admin_config}")

# --- 1. Users -------------------------------------------------------------------------------
user() { # name password
  echo "===> SCRAM-SHA-512 credential of $1"
  "${bin}/kafka-configs.sh" "${as_admin[@]}" --alter --entity-type users --entity-name "$1" \
    --add-config "SCRAM-SHA-512=[password=$2]" > /dev/null
}
user referral-gateway "${GATEWAY_KAFKA_PASSWORD:?}"
user agency-adapter "${ADAPTER_KAFKA_PASSWORD:?}"
user notifier "${NOTIFIER_KAFKA_PASSWORD:?}"
user schema-registry "${SCHEMA_REGISTRY_KAFKA_PASSWORD:?}"
user kafka-ui "${KAFKA_UI_KAFKA_PASSWORD:?}"

# --- 2. Topics (partitions and configs as in Topics.java; dead letters kept 30 days) ----------
topic() { # name partitions config...
  local name=$1 partitions=$2
  shift 2
  local configs=()
  for config in "$@"; do configs+=(--config "${config}"); done
  "${bin}/kafka-topics.sh" "${as_admin[@]}" --create --if-not-exists --topic "${name}" \
    --partitions "${partitions}" --replication-factor 1 "${configs[@]}"
}
referral_topic() { # name partitions cleanup.policy [retention.ms; forever when not given]
  topic "$1" "$2" "cleanup.policy=$3" "retention.ms=${4:--1}"
  topic "$1-dlt" "$2" retention.ms=2592000000
}
referral_topic referral.submitted 6 delete
referral_topic referral.status-changed 6 delete
referral_topic referral.delivered 6 delete
referral_topic referral.overdue 6 delete
referral_topic referral.report-refused 6 delete
referral_topic notifications 6 delete
referral_topic consent.events 3 compact
referral_topic provider.directory 1 compact
# The accounting of disclosures: kept 7 years (Topics.DISCLOSURE_RETENTION), not forever.
referral_topic consent.disclosures 3 delete 220924800000
# Views of intake pages (the email-intake kind): an access log, kept like the accounting.
referral_topic intake.page-viewed 6 delete 220924800000
topic _schemas 1 cleanup.policy=compact

# --- 3. ACLs: one line per row of docs/kafka-security.md (a test compares the two) ------------
allow() { # user operation topic
  "${bin}/kafka-acls.sh" "${as_admin[@]}" --add --allow-principal "User:$1" \
    --operation "$2" --topic "$3" > /dev/null
  echo "allowed User:$1 $2 on topic $3"
}
allow referral-gateway Read consent.events
allow referral-gateway Read referral.submitted
allow referral-gateway Read referral.status-changed
allow referral-gateway Read provider.directory
allow referral-gateway Read consent.disclosures
allow referral-gateway Write consent.events
allow referral-gateway Write referral.submitted
allow referral-gateway Write referral.status-changed
allow agency-adapter Read referral.submitted
allow agency-adapter Read referral.status-changed
allow agency-adapter Read referral.delivered
allow agency-adapter Read referral.overdue
allow agency-adapter Read referral.report-refused
allow agency-adapter Read consent.events
allow agency-adapter Read provider.directory
allow agency-adapter Read consent.disclosures
allow agency-adapter Read referral.submitted-dlt
allow agency-adapter Read referral.status-changed-dlt
allow agency-adapter Read referral.delivered-dlt
allow agency-adapter Read referral.overdue-dlt
allow agency-adapter Read referral.report-refused-dlt
allow agency-adapter Read consent.events-dlt
allow agency-adapter Read provider.directory-dlt
allow agency-adapter Read consent.disclosures-dlt
allow agency-adapter Write referral.delivered
allow agency-adapter Write referral.status-changed
allow agency-adapter Write referral.overdue
allow agency-adapter Write referral.report-refused
allow agency-adapter Write provider.directory
allow agency-adapter Write consent.disclosures
allow agency-adapter Write referral.submitted-dlt
allow agency-adapter Write referral.status-changed-dlt
allow agency-adapter Write referral.delivered-dlt
allow agency-adapter Write referral.overdue-dlt
allow agency-adapter Write referral.report-refused-dlt
allow agency-adapter Write consent.events-dlt
allow agency-adapter Write provider.directory-dlt
allow agency-adapter Write consent.disclosures-dlt
allow agency-adapter Write intake.page-viewed
allow notifier Read referral.submitted
allow notifier Read referral.status-changed
allow notifier Read referral.overdue
allow notifier Read notifications
allow notifier Read provider.directory
allow notifier Write notifications
allow notifier Write referral.status-changed-dlt
allow notifier Write referral.overdue-dlt
allow schema-registry Read _schemas
allow schema-registry Write _schemas
allow schema-registry DescribeConfigs _schemas

# The consumer groups that divide the adapter's and the notifier's work between their instances
# (WorkOwnership): READ on its own group, nothing else. A test compares these lines too.
allow_group() { # user group
  "${bin}/kafka-acls.sh" "${as_admin[@]}" --add --allow-principal "User:$1" \
    --operation Read --group "$2" > /dev/null
  echo "allowed User:$1 Read on group $2"
}
allow_group agency-adapter agency-adapter
allow_group notifier notifier

# Confluent's Schema Registry also joins the group schema-registry (leader election) and names
# its reader's group schema-registry-<host>-<port>: READ on groups with that prefix.
"${bin}/kafka-acls.sh" "${as_admin[@]}" --add --allow-principal User:schema-registry \
  --operation Read --group schema-registry --resource-pattern-type prefixed > /dev/null

# kafka-ui is read-only: it may describe and read every topic and group, and the cluster.
"${bin}/kafka-acls.sh" "${as_admin[@]}" --add --allow-principal User:kafka-ui \
  --operation Describe --operation DescribeConfigs --operation Read --topic '*' > /dev/null
"${bin}/kafka-acls.sh" "${as_admin[@]}" --add --allow-principal User:kafka-ui \
  --operation Describe --group '*' > /dev/null
"${bin}/kafka-acls.sh" "${as_admin[@]}" --add --allow-principal User:kafka-ui \
  --operation Describe --operation DescribeConfigs --cluster > /dev/null

echo "===> Topics, users and ACLs are in place"
