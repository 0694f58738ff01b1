#!/bin/bash
# First start: create the cluster with the superuser password from POSTGRES_PASSWORD, run the init
# scripts against a server listening only on its Unix socket, stop it. Every start: exec the command
# (postgres listening on all addresses), so the server is PID 1 and gets `berth stop`'s signal.
set -euo pipefail

if [[ ${1:-} == postgres && ! -s $PGDATA/PG_VERSION ]]; then
  if [[ -z ${POSTGRES_PASSWORD:-} ]]; then
    echo 'error: the database is not initialised and POSTGRES_PASSWORD is not set' >&2
    echo '       run with -e POSTGRES_PASSWORD=... (the superuser "postgres" gets that password)' >&2
    exit 1
  fi
  initdb --username=postgres --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
    --encoding=UTF8 --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  # Clients from outside the container (through a published port) log in with the password.
  echo 'host all all all scram-sha-256' >>"$PGDATA/pg_hba.conf"

  pg_ctl --silent --wait --pgdata="$PGDATA" --options="-c listen_addresses=''" start
  for f in /docker-entrypoint-initdb.d/*; do
    case $f in
      *.sql) echo "init: running $f"; psql --quiet --no-psqlrc -v ON_ERROR_STOP=1 --username=postgres --dbname=postgres -f "$f" ;;
      *.sh) echo "init: sourcing $f"; . "$f" ;;
      *) echo "init: ignoring $f" ;;
    esac
  done
  pg_ctl --silent --wait --pgdata="$PGDATA" --mode=fast stop
  echo 'init: done; starting PostgreSQL'
fi

if [[ ${1:-} == postgres ]]; then
  shift
  exec postgres -c listen_addresses='*' "$@"
fi
exec "$@"
