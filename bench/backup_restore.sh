#!/usr/bin/env bash
# Rehearse a backup and a restore on this machine, and check that the restored copy is whole.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/bcc_sponsor \
#   PRIVATE_MEDIA_ROOT=var/private MEDIA_ROOT=var/media  bench/backup_restore.sh [--keep]
#
# 1. pg_dump -Fc of the database in DATABASE_URL (a consistent snapshot), then a tar of each
#    file store (database first: a file uploaded meanwhile is then an orphan in the copy, which
#    is harmless, rather than a row without its file);
# 2. pg_restore into a fresh database bcc_restore_<timestamp> on the same server, and the files
#    into a temporary folder;
# 3. manage.py check_files against the restored copy (DATABASE_URL, PRIVATE_MEDIA_ROOT and
#    MEDIA_ROOT pointing at it), and the row counts of the main tables in both databases;
# 4. drops the scratch database and the folder (kept with --keep, to look at them).
#
# Exit status 0 when the copy is clean and complete, 1 otherwise. Nothing is written to the
# database or the folders backed up.
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
KEEP=false
[[ "${1:-}" == "--keep" ]] && KEEP=true

: "${DATABASE_URL:?set DATABASE_URL to the PostgreSQL database to back up}"
case "$DATABASE_URL" in
  postgres://*|postgresql://*) ;;
  *) echo "DATABASE_URL must be a PostgreSQL URL (postgres://...)" >&2; exit 2 ;;
esac
PRIVATE_MEDIA_ROOT=${PRIVATE_MEDIA_ROOT:-var/private}
MEDIA_ROOT=${MEDIA_ROOT:-var/media}

# postgres://user@host:port/name?options -> server part, database name, options.
url_no_query=${DATABASE_URL%%\?*}
query=""
[[ "$DATABASE_URL" == *\?* ]] && query="?${DATABASE_URL#*\?}"
server=${url_no_query%/*}
source_db=${url_no_query##*/}
stamp=$(date +%Y%m%d_%H%M%S)
restore_db="bcc_restore_${stamp}"
restore_url="${server}/${restore_db}${query}"
maintenance_url="${server}/postgres${query}"
work=$(mktemp -d "${TMPDIR:-/tmp}/bcc-restore-${stamp}.XXXX")

cleanup() {
  if $KEEP; then
    echo "kept: database ${restore_db}, folder ${work}"
    return
  fi
  psql -q "$maintenance_url" -c "DROP DATABASE IF EXISTS ${restore_db} WITH (FORCE)" >/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

seconds() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(seconds)" 'BEGIN { printf "%.1f s", b - a }'; }

echo "== backup of ${source_db}"
t=$(seconds)
pg_dump -Fc --no-owner --no-privileges -f "$work/database.dump" "$DATABASE_URL"
echo "database: $(du -h "$work/database.dump" | cut -f1) in $(took "$t")"
for store in private media; do
  folder=$([[ $store == private ]] && echo "$PRIVATE_MEDIA_ROOT" || echo "$MEDIA_ROOT")
  t=$(seconds)
  if [[ -d "$folder" ]]; then
    tar -C "$folder" -czf "$work/$store.tar.gz" .
  else
    tar -czf "$work/$store.tar.gz" -T /dev/null  # nothing stored there yet
  fi
  echo "$store files ($folder): $(tar -tzf "$work/$store.tar.gz" | grep -vc '/$' || true) files," \
    "$(du -h "$work/$store.tar.gz" | cut -f1) in $(took "$t")"
done

echo "== restore into ${restore_db} and ${work}"
t=$(seconds)
psql -q "$maintenance_url" -c "CREATE DATABASE ${restore_db}" >/dev/null
pg_restore --exit-on-error --no-owner --no-privileges -d "$restore_url" "$work/database.dump"
mkdir -p "$work/private" "$work/media"
tar -C "$work/private" -xzf "$work/private.tar.gz"
tar -C "$work/media" -xzf "$work/media.tar.gz"
echo "restored in $(took "$t")"

echo "== row counts (original / restored)"
counts_differ=false
for table in donations_donor donations_sponsorship premiums_premiumpayment \
  premiums_paymentevidence recipients_recipient recipients_handoverphoto donations_message; do
  before=$(psql -Atq "$DATABASE_URL" -c "SELECT count(*) FROM ${table}")
  after=$(psql -Atq "$restore_url" -c "SELECT count(*) FROM ${table}")
  mark=""
  if [[ "$before" != "$after" ]]; then
    mark="  <- differs (rows written during the backup?)"
    counts_differ=true
  fi
  printf "%-28s %8s / %-8s%s\n" "$table" "$before" "$after" "$mark"
done

echo "== check_files on the restored copy"
status=0
DATABASE_URL="$restore_url" PRIVATE_MEDIA_ROOT="$work/private" MEDIA_ROOT="$work/media" \
  SECRET_KEY="${SECRET_KEY:-backup-rehearsal-only}" \
  "$PYTHON" manage.py check_files || status=$?

if [[ $status -eq 0 ]] && ! $counts_differ; then
  echo "RESULT: clean — the restored database and files match."
  exit 0
fi
echo "RESULT: unclean — see the problems above."
exit 1
