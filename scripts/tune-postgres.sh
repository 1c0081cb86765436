#!/usr/bin/env bash
# Applies the PostgreSQL settings Medic's hot paths were measured with (README, "At the limit";
# `medic doctor` checks them) to the local Debian cluster, and restarts it when a setting that
# needs a restart changed. Opt-in: it restarts a server others may use. Safe to run twice.
#   scripts/tune-postgres.sh            # shared_buffers=2GB effective_cache_size=8GB jit=off max_connections=200
#   SHARED_BUFFERS=4GB scripts/tune-postgres.sh
set -euo pipefail
log() { printf 'tune-postgres: %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
: "${PG_VERSION:=$(ls /etc/postgresql 2>/dev/null | sort -n | tail -n 1)}" "${PG_HOST:=127.0.0.1}" "${PG_PORT:=5432}" "${PG_USER:=postgres}"
psql_() { psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -qtAc "$1"; }

declare -A WANT=(
  [shared_buffers]="${SHARED_BUFFERS:-2GB}"
  [effective_cache_size]="${EFFECTIVE_CACHE_SIZE:-8GB}"
  [jit]=off
  [max_connections]="${MAX_CONNECTIONS:-200}"
)
restart=0
for name in "${!WANT[@]}"; do
  want="${WANT[$name]}"
  have="$(psql_ "show $name")"
  if [ "$have" = "$want" ]; then continue; fi
  log "$name: $have -> $want"
  psql_ "alter system set $name = '$want'"
  [ "$(psql_ "select context from pg_settings where name = '$name'")" = postmaster ] && restart=1
done
psql_ 'select pg_reload_conf()' >/dev/null
if [ "$restart" = 1 ]; then
  log "restarting PostgreSQL $PG_VERSION (shared_buffers and max_connections take effect on a restart)"
  as_root pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" main restart
  for _ in $(seq 1 30); do pg_isready -q -h "$PG_HOST" -p "$PG_PORT" && break; sleep 1; done
fi
psql_ "select string_agg(name || '=' || current_setting(name), ' ') from pg_settings where name in ('shared_buffers', 'effective_cache_size', 'jit', 'max_connections')"
