#!/bin/bash
# The kafka-init service of docker-compose.yml: once the broker is healthy, as the super user
# admin, (1) sets the SCRAM-SHA-512 password of each service's user, (2) creates the topics of
# org.referralexchange.schemas.Topics with their dead-letter topics, and the registry's _schemas,
# (3) grants each user the ACLs of docs/kafka-security.md, nothing more. Every step is idempotent:
# run it again (docker compose run --rm kafka-init) after changing a password in .env to rotate it.
#
# Each Kafka tool call is a JVM start (a second or more), so the calls are few: one per user (a
# kafka-configs call sets one entity), one listing the topics and one per topic still missing
# (kafka-topics creates one topic per call), and one kafka-acls call per user and set of
# operations (kafka-acls grants every --operation on every --topic and --group it is given).
# A first run makes 38 calls, a rerun 17 (it was 82 each time with one call per ACL and topic).
set -euo pipefail

: "${KAFKA_BOOTSTRAP:?}" "${SCRAM_ADMIN_PASSWORD:?}"
# KAFKA_BIN is for DockerComposeConfigTests, which runs this script against stand-in tools.
bin=${KAFKA_BIN:-/opt/kafka/bin}
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
# Listed once, so that a rerun starts no JVM for a topic that is there (its settings are left as
# they are, as --if-not-exists would leave them).
existing_topics=$("${bin}/kafka-topics.sh" "${as_admin[@]}" --list)
topic() { # name partitions config...
  local name=$1 partitions=$2
  shift 2
  if grep -qxF -e "${name}" <<< "${existing_topics}"; then
    echo "Topic ${name} exists."
    return
  fi
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
# The notifier's commands to its senders: 30 days (Topics.NOTIFIER_SENDS), not history.
referral_topic notifier.sends 6 delete 2592000000
referral_topic consent.events 3 compact
referral_topic provider.directory 1 compact
# The accounting of disclosures: kept 7 years (Topics.DISCLOSURE_RETENTION), not forever.
referral_topic consent.disclosures 3 delete 220924800000
# Views of intake pages (the email-intake kind): an access log, kept like the accounting.
referral_topic intake.page-viewed 6 delete 220924800000
topic _schemas 1 cleanup.policy=compact

# --- 3. ACLs: the table of docs/kafka-security.md (DockerComposeConfigTests compares the two) ---
# grant [--prefixed] USER OPERATIONS RESOURCE...: one kafka-acls call allowing User:USER every
# operation of OPERATIONS (comma-separated) on every RESOURCE: topic:NAME, group:NAME, txn:NAME
# (a transactional id) or cluster.
# With --prefixed, every NAME is a prefix; otherwise a literal name ('*' meaning all).
grant() {
  local pattern=literal
  if [ "$1" = --prefixed ]; then
    pattern=prefixed
    shift
  fi
  local user=$1 operations=$2
  shift 2
  local args=(--add --allow-principal "User:${user}" --resource-pattern-type "${pattern}")
  local operation resource
  for operation in ${operations//,/ }; do
    args+=(--operation "${operation}")
  done
  for resource in "$@"; do
    case "${resource}" in
      topic:*) args+=(--topic "${resource#topic:}") ;;
      group:*) args+=(--group "${resource#group:}") ;;
      txn:*) args+=(--transactional-id "${resource#txn:}") ;;
      cluster) args+=(--cluster) ;;
      *)
        echo "grant: unknown resource ${resource}" >&2
        exit 1
        ;;
    esac
  done
  "${bin}/kafka-acls.sh" "${as_admin[@]}" "${args[@]}" > /dev/null
  echo "allowed User:${user} ${operations} on ${pattern} $*"
}

grant referral-gateway Read \
  topic:consent.events topic:referral.submitted topic:referral.status-changed \
  topic:provider.directory topic:consent.disclosures
grant referral-gateway Write \
  topic:consent.events topic:referral.submitted topic:referral.status-changed

# The adapter's group divides its work between its instances (WorkOwnership): READ on it.
grant agency-adapter Read \
  topic:referral.submitted topic:referral.status-changed topic:referral.delivered \
  topic:referral.overdue topic:referral.report-refused topic:consent.events \
  topic:provider.directory topic:consent.disclosures \
  topic:referral.submitted-dlt topic:referral.status-changed-dlt topic:referral.delivered-dlt \
  topic:referral.overdue-dlt topic:referral.report-refused-dlt topic:consent.events-dlt \
  topic:provider.directory-dlt topic:consent.disclosures-dlt \
  group:agency-adapter
grant agency-adapter Write \
  topic:referral.delivered topic:referral.status-changed topic:referral.overdue \
  topic:referral.report-refused topic:provider.directory topic:consent.disclosures \
  topic:referral.submitted-dlt topic:referral.status-changed-dlt topic:referral.delivered-dlt \
  topic:referral.overdue-dlt topic:referral.report-refused-dlt topic:consent.events-dlt \
  topic:provider.directory-dlt topic:consent.disclosures-dlt \
  topic:intake.page-viewed

# The notifier runs on Kafka Streams (application id notifier): the referral topics and what it
# told in, commands on notifier.sends out, a refused record to <its topic>-dlt; its senders read
# notifier.sends and write notifications (and notifier.sends-dlt for a command given up on).
grant notifier Read \
  topic:referral.submitted topic:referral.status-changed topic:referral.overdue \
  topic:notifications topic:notifier.sends topic:provider.directory
grant notifier Write \
  topic:notifications topic:notifier.sends \
  topic:referral.submitted-dlt topic:referral.status-changed-dlt topic:referral.overdue-dlt \
  topic:notifications-dlt topic:notifier.sends-dlt
# Its internal topics (notifier-<store>-changelog, created and checked by Kafka Streams), its
# groups (the application's, notifier-sends-email, notifier-sends-sms) and its transactional ids
# (exactly_once_v2): each a prefix. A deployment that changes NOTIFIER_GROUP_ID grants that instead.
grant --prefixed notifier Create,Read,Write,DescribeConfigs topic:notifier-
grant --prefixed notifier Read group:notifier
grant --prefixed notifier Write,Describe txn:notifier

grant schema-registry Read,Write,DescribeConfigs topic:_schemas
# Confluent's Schema Registry also joins the group schema-registry (leader election) and names
# its reader's group schema-registry-<host>-<port>: READ on groups with that prefix.
grant --prefixed schema-registry Read group:schema-registry

# kafka-ui is read-only: it may describe and read every topic and group, and the cluster.
grant kafka-ui Describe,DescribeConfigs 'topic:*' cluster
grant kafka-ui Read 'topic:*'
grant kafka-ui Describe 'group:*'

echo "===> Topics, users and ACLs are in place"
