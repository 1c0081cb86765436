#!/usr/bin/env bash
# Makes sure the services the integration tests talk to are up on this machine:
# PostgreSQL 15 with the pgvector extension, Redis, and Debian's Chromium for the console's
# browser tests. Safe to run any number of times.
# Prints DATABASE_URL, REDIS_URL and MEDIC_CHROMIUM as `export` lines on stdout; progress goes to stderr.
set -euo pipefail

log() { printf 'services: %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

PG_VERSION="${PG_VERSION:-$(ls /etc/postgresql 2>/dev/null | sort -n | tail -n 1)}"
PG_VERSION="${PG_VERSION:-15}"
PG_HOST="${PG_HOST:-127.0.0.1}"
PG_PORT="${PG_PORT:-5432}"
PG_USER="${PG_USER:-postgres}"
PG_DB="${PG_DB:-medic_test}"
REDIS_PORT="${REDIS_PORT:-6379}"

start_postgres() {
  if pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; then return; fi
  log "starting PostgreSQL $PG_VERSION"
  as_root pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" main start
  for _ in $(seq 1 30); do pg_isready -q -h "$PG_HOST" -p "$PG_PORT" && return; sleep 1; done
  log "PostgreSQL did not come up"; exit 1
}

pgvector_installed() {
  [ -f "/usr/share/postgresql/$PG_VERSION/extension/vector.control" ]
}

# The Debian mirror this machine already uses (a company mirror, a snapshot…): the first
# package source that is not the security archive, in deb822 files or the one-line format.
debian_mirror() {
  local uri=""
  local files=(/etc/apt/sources.list.d/*.sources)
  if [ -e "${files[0]}" ]; then
    uri="$(awk '
      /^[[:space:]]*$/ { u = ""; deb = 0; next }
      /^Types:/ { deb = / deb( |$)/ }
      /^URIs:/ { u = $2 }
      /^Suites:/ && u != "" && deb { for (i = 2; i <= NF; i++) if ($i !~ /-security$/) { print u; exit } }
    ' "${files[@]}" | head -n 1)"
  fi
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri="$(awk '$1 == "deb" && $0 !~ /-security/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z+]+:\/\//) { print $i; exit } }' /etc/apt/sources.list | head -n 1)"
  fi
  [ -n "$uri" ] || { log "no Debian package source is configured in /etc/apt/sources.list*"; exit 1; }
  echo "$uri"
}

# Debian 12 ships no pgvector; the next release's source package builds cleanly against PostgreSQL 15.
install_pgvector() {
  if pgvector_installed; then return; fi
  log "building pgvector from Debian's trixie source package"
  local list=/etc/apt/sources.list.d/medic-trixie-src.sources
  if [ ! -f "$list" ]; then
    local mirror; mirror="$(debian_mirror)"
    as_root tee "$list" >/dev/null <<SRC
Types: deb-src
URIs: $mirror
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  fi
  as_root apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "postgresql-server-dev-$PG_VERSION" make gcc dpkg-dev >&2
  local work; work="$(mktemp -d)"
  (cd "$work" && apt-get source -qq pgvector >&2)
  local dir; dir="$(find "$work" -maxdepth 1 -type d -name 'pgvector-*' | head -n 1)"
  [ -n "$dir" ] || { log "apt-get source pgvector produced no folder"; exit 1; }
  make -s -C "$dir" PG_CONFIG="/usr/lib/postgresql/$PG_VERSION/bin/pg_config" >&2
  as_root make -s -C "$dir" PG_CONFIG="/usr/lib/postgresql/$PG_VERSION/bin/pg_config" install >&2
  rm -rf "$work"
  pgvector_installed || { log "pgvector did not install"; exit 1; }
}

ensure_database() {
  local exists
  exists="$(psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -tAc "select 1 from pg_database where datname = '$PG_DB'")"
  if [ "$exists" != 1 ]; then
    log "creating database $PG_DB"
    psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -qc "create database $PG_DB" >&2
  fi
  psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" -qc 'create extension if not exists vector' >&2
}

start_redis() {
  if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then return; fi
  log "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log >&2
  for _ in $(seq 1 30); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return; sleep 1; done
  log "Redis did not come up"; exit 1
}

# The console's browser tests drive Debian's Chromium (playwright-core never downloads a browser).
CHROMIUM="${MEDIC_CHROMIUM:-/usr/bin/chromium}"
install_chromium() {
  if [ -x "$CHROMIUM" ]; then return; fi
  log "installing Debian's chromium"
  as_root apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
  [ -x "$CHROMIUM" ] || { log "chromium did not install at $CHROMIUM"; exit 1; }
}

start_postgres
install_pgvector
install_chromium
ensure_database
start_redis
echo "export DATABASE_URL=postgres://$PG_USER@$PG_HOST:$PG_PORT/$PG_DB"
echo "export REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
echo "export MEDIC_CHROMIUM=$CHROMIUM"
