#!/bin/bash
# The keyset service of docker-compose.yml (profile setup): makes, rotates or lists the Tink keyset
# that seals client data, with EnvelopeKeys from the gateway's image, so the host needs neither a
# JDK nor Maven. It runs as root only to hand the file and its folder to the services' user
# (EXCHANGE_UID:EXCHANGE_GID, default 10001:10001), who alone may then read them.
#
#   docker compose --profile setup run --rm keyset [generate|rotate|list]
#
# generate keeps an existing keyset (EnvelopeKeys never overwrites one) and only sets its owner
# again, so it is safe to repeat, for instance after changing EXCHANGE_UID.
set -euo pipefail

: "${EXCHANGE_UID:?}" "${EXCHANGE_GID:?}"
dir=/keyset
file=${dir}/client-data-keyset.json

keys() { # EnvelopeKeys' command line, from the schemas jar inside the gateway's Spring Boot jar
  java -cp /app/app.jar -Dloader.main=org.referralexchange.envelope.EnvelopeKeys \
    org.springframework.boot.loader.launch.PropertiesLauncher "$@"
}

case "${1:-generate}" in
  generate)
    if [ -e "${file}" ]; then
      echo "keyset: EXCHANGE_KEYSET_DIR/client-data-keyset.json exists and is kept"
    else
      keys generate "${file}"
    fi
    ;;
  rotate) keys rotate "${file}" ;;
  list)
    keys list "${file}"
    exit 0
    ;;
  *)
    echo "usage: docker compose --profile setup run --rm keyset [generate|rotate|list]" >&2
    exit 2
    ;;
esac

# The services run as EXCHANGE_UID:EXCHANGE_GID and must read the file; nobody else may.
chown "${EXCHANGE_UID}:${EXCHANGE_GID}" "${dir}" "${file}"
chmod 0700 "${dir}"
chmod 0600 "${file}"
echo "keyset: client-data-keyset.json belongs to ${EXCHANGE_UID}:${EXCHANGE_GID}, mode 0600, in a 0700 folder"
