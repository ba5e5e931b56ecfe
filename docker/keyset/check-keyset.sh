#!/bin/sh
# The keyset-check service of docker-compose.yml: runs before the gateway and the adapter, as their
# user, and exits 1 with the fix when they could not read the keyset. Without it they would start,
# fail on the keyset and restart forever.
dir=/run/keyset
file=${dir}/client-data-keyset.json
me="$(id -u):$(id -g)"
generate="docker compose --profile setup run --rm keyset"

fail() {
  echo "keyset-check: $*" >&2
  exit 1
}

[ -x "${dir}" ] ||
  fail "the services' user ${me} (EXCHANGE_UID:EXCHANGE_GID) cannot enter the keyset folder" \
    "EXCHANGE_KEYSET_DIR (owner and mode: $(stat -c '%u:%g %a' "${dir}")). Run '${generate}'," \
    "which gives it to that user, or set EXCHANGE_UID and EXCHANGE_GID in .env to its owner."
[ -e "${file}" ] ||
  fail "no keyset: EXCHANGE_KEYSET_DIR (default ./.local/compose/keyset) has no" \
    "client-data-keyset.json. Create it once with '${generate}'."
[ -f "${file}" ] || fail "EXCHANGE_KEYSET_DIR/client-data-keyset.json is not a file."
[ -r "${file}" ] ||
  fail "the services' user ${me} (EXCHANGE_UID:EXCHANGE_GID) cannot read" \
    "client-data-keyset.json (owner and mode: $(stat -c '%u:%g %a' "${file}")). Run" \
    "'${generate}', which gives it to that user, or set EXCHANGE_UID and EXCHANGE_GID in .env" \
    "to its owner."
[ -s "${file}" ] || fail "EXCHANGE_KEYSET_DIR/client-data-keyset.json is empty."
echo "keyset-check: client-data-keyset.json is readable by ${me}"
