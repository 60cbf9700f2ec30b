#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Restores a backup made by db-backup.sh, or proves that it restores (--verify). Runs in the
# cluster (the restore Job of `npm run db:restore`, the scheduled restore verification) and in
# the tests against a real server; see docs/database.md.
#
# Usage: db-restore.sh [--clean] [--verify] <dir>/<name>.dump
#        db-restore.sh [--clean] [--verify] --latest <dir>
#
#   (default)  restore into PGDATABASE, which must be empty
#   --clean    PGDATABASE may hold data: the backup's objects are dropped and recreated
#              (pg_restore --clean --if-exists); objects the backup does not have are left alone
#   --verify   restore into a scratch database instead (VERIFY_DATABASE, default
#              <PGDATABASE>_verify; created, then dropped at the end), never touching PGDATABASE
#   --latest   <dir> is a backup directory: take the newest complete backup of PGDATABASE in it
#
# Environment: PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE (libpq; PGDATABASE is required),
#   RESTORE_JOBS (parallel pg_restore workers, 1-16, default 2), VERIFY_DATABASE,
#   RESTORE_MAINTENANCE_WORK_MEM (memory per index build during the restore, 1MB-2147483647kB,
#   default 256MB).
#
# Before touching any database it checks every file against <name>.dump.sha256 (a missing,
# extra, truncated or altered file stops it) and that pg_restore can read the table of contents.
# After the restore it counts the rows of every table and compares them with <name>.dump.counts,
# the counts taken in the backup's own snapshot. It prints the counts per table and one JSON line.
# Exit 0 when restored and every count matches, 1 on any failure or difference, 2 on bad input.
set -euo pipefail

DB_SCRIPT=db-restore
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=db-lib.sh
. "$here/db-lib.sh"

started=$EPOCHREALTIME

# --- input ------------------------------------------------------------------------------------
clean=0
verify=0
latest=0
dump=""
while [ $# -gt 0 ]; do
    case "$1" in
        --clean) clean=1 ;;
        --verify) verify=1 ;;
        --latest) latest=1 ;;
        -h | --help) sed -n '3,/^set -euo pipefail$/p' "${BASH_SOURCE[0]}" | sed '$d'; exit 0 ;;
        -*) usage_error "unknown option '$1' (expected --clean, --verify, then the dump)" ;;
        *) [ -z "$dump" ] || usage_error "one dump at a time, got '$dump' and '$1'"; dump=$1 ;;
    esac
    shift
done
[ -n "$dump" ] || usage_error "which backup? usage: db-restore.sh [--clean] [--verify] <dir>/<name>.dump"
[ "$clean" = 0 ] || [ "$verify" = 0 ] || usage_error "--clean and --verify do not go together (--verify always restores into a fresh scratch database)"
[ -n "${PGDATABASE:-}" ] || usage_error "PGDATABASE is required (the database to restore into; with --verify, the one to connect to)"
jobs=${RESTORE_JOBS:-2}
require_integer_in RESTORE_JOBS "$jobs" 1 16
RESTORE_MAINTENANCE_WORK_MEM=${RESTORE_MAINTENANCE_WORK_MEM:-256MB}
# The server's own range for maintenance_work_mem: a value it would refuse must stop the restore
# here, not when pg_restore connects with the target already touched.
declare -A KB_PER=([kB]=1 [MB]=1024 [GB]=1048576)
if [[ ! "$RESTORE_MAINTENANCE_WORK_MEM" =~ ^([1-9][0-9]{0,9})(kB|MB|GB)$ ]] \
    || (( BASH_REMATCH[1] * KB_PER[${BASH_REMATCH[2]}] < 1024 || BASH_REMATCH[1] * KB_PER[${BASH_REMATCH[2]}] > 2147483647 )); then
    usage_error "RESTORE_MAINTENANCE_WORK_MEM must be a size from 1MB to 2147483647kB (PostgreSQL's range for maintenance_work_mem), such as 256MB, got '$RESTORE_MAINTENANCE_WORK_MEM'"
fi
require_tools psql pg_restore createdb dropdb grep awk find
dump=${dump%/}
if [ "$latest" = 1 ]; then
    [ -d "$dump" ] || usage_error "--latest needs the backup directory, got '$dump'"
    [[ "$PGDATABASE" =~ ^[A-Za-z0-9_-]+$ ]] || usage_error "PGDATABASE must be letters, digits, '_' or '-', got '$PGDATABASE'"
    # Complete sets only (the .sha256 is written last), of this database only (the .counts header).
    newest=""
    newest_stamp=""
    for sums in "$dump/${PGDATABASE}_"*.dump.sha256; do
        [ -e "$sums" ] || continue
        base=${sums%.sha256}
        [[ "${base##*/}" =~ _([0-9]{8}T[0-9]{6}Z)\.dump$ ]] || continue
        stamp=${BASH_REMATCH[1]}
        header=""
        IFS= read -r header <"$base.counts" 2>/dev/null || true
        [ "$header" = "$(counts_header "$PGDATABASE")" ] || continue
        if [[ "$stamp" > "$newest_stamp" ]]; then newest=$base; newest_stamp=$stamp; fi
    done
    [ -n "$newest" ] || die "no complete backup of '$PGDATABASE' in $dump"
    dump=$newest
fi
if [ ! -f "$dump/toc.dat" ]; then
    usage_error "'$dump' is not a backup made by db-backup.sh (a directory-format dump with toc.dat)"
fi
dir=$(cd "$(dirname "$dump")" && pwd)
name=$(basename "$dump")
[ -f "$dir/$name.sha256" ] || die "no checksum file $dir/$name.sha256: refusing to restore an unverified dump"
[ -f "$dir/$name.counts" ] || die "no row counts file $dir/$name.counts: refusing to restore a dump whose contents cannot be checked"

scratch=$(mktemp -d)
target=""
drop_target=0
cleanup() {
    if [ "$drop_target" = 1 ]; then
        dropdb --if-exists --maintenance-db="$PGDATABASE" "$target" >/dev/null 2>&1 || note "could not drop the scratch database '$target'"
    fi
    rm -rf -- "$scratch"
}
trap cleanup EXIT

# --- 1. the files are what the backup wrote (before any database is touched) -------------------
declare -A listed=()
running=0
i=0
while read -r sum path; do
    [ -n "$path" ] || continue
    case "$path" in
        "$name"/* | "$name.counts") ;;
        *) die "$name.sha256 lists '$path', which is not part of this backup" ;;
    esac
    [ -f "$dir/$path" ] || die "$path is listed in $name.sha256 but missing: refusing to restore"
    listed[$path]=1
    # Checked in parallel, at most $jobs at a time; each writes "ok" or what it found.
    (
        actual=$(sha256_of "$dir/$path")
        if [ "$actual" = "$sum" ]; then echo ok; else echo "$path: sha256 $actual, expected $sum"; fi
    ) >"$scratch/sum.$i" &
    i=$((i + 1))
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then wait -n || true; running=$((running - 1)); fi
done <"$dir/$name.sha256"
wait
[ "$i" -gt 0 ] || die "$name.sha256 is empty"
[ -n "${listed[$name.counts]:-}" ] || die "$name.sha256 does not cover $name.counts"
for f in "$scratch"/sum.*; do
    [ "$(cat "$f")" = ok ] || die "checksum mismatch, the backup is damaged: $(cat "$f")"
done
while IFS= read -r f; do
    [ -n "${listed[$name/$f]:-}" ] || die "$name/$f is in the backup but not in $name.sha256: refusing to restore"
done < <(cd "$dump" && find . -type f -printf '%P\n')
pg_restore --list "$dump" >"$scratch/toc" 2>"$scratch/pg_restore.log" \
    || die "pg_restore cannot read the dump's table of contents: $(tr '\n' ' ' <"$scratch/pg_restore.log")"
note "checksums of $i files match; restoring $name"

# --- 2. the target ------------------------------------------------------------------------------
check_connection "$PGDATABASE"
if [ "$verify" = 1 ]; then
    target=${VERIFY_DATABASE:-${PGDATABASE}_verify}
    [ "$target" != "$PGDATABASE" ] || usage_error "VERIFY_DATABASE must not be PGDATABASE ('$PGDATABASE'): --verify never touches the real database"
    dropdb --if-exists --maintenance-db="$PGDATABASE" "$target" 2>"$scratch/err" \
        || die "cannot drop the old scratch database '$target': $(tr '\n' ' ' <"$scratch/err")"
    createdb --maintenance-db="$PGDATABASE" "$target" 2>"$scratch/err" \
        || die "cannot create the scratch database '$target' (the role needs CREATEDB): $(tr '\n' ' ' <"$scratch/err")"
    drop_target=1
else
    target=$PGDATABASE
    existing=$(psql -X -A -t -q -v ON_ERROR_STOP=1 -d "$target" -c "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'")
    if [ "$existing" != 0 ] && [ "$clean" = 0 ]; then
        die "'$target' is not empty ($existing tables, views or sequences): refusing to restore over it. Pass --clean to replace its contents."
    fi
fi

# --- 3. restore ---------------------------------------------------------------------------------
clean_flags=()
if [ "$clean" = 1 ]; then clean_flags=(--clean --if-exists); fi
# For the restore's own sessions only: index builds sort in memory, and commits do not wait for
# the WAL flush (a crash mid-restore means restoring again anyway). Both are ordinary user settings.
PGOPTIONS="${PGOPTIONS:-} -c maintenance_work_mem=${RESTORE_MAINTENANCE_WORK_MEM} -c synchronous_commit=off" \
pg_restore --jobs="$jobs" --exit-on-error "${clean_flags[@]}" --dbname="$target" "$dump" 2>"$scratch/pg_restore.log" \
    || die "pg_restore into '$target' failed; the database may be partly restored: $(tr '\n' ' ' <"$scratch/pg_restore.log")"

# --- 4. integrity: rows per table against the backup's own counts ---------------------------------
count_rows "$target" >"$scratch/restored" || die "counting rows in '$target' failed"
declare -A restored=()
while IFS=$'\t' read -r _ table n; do restored[$table]=$n; done <"$scratch/restored"

tables=0
rows=0
differences=0
declare -A expected_tables=()
while IFS=$'\t' read -r oid table expected; do
    [[ "$oid" =~ ^[0-9]+$ ]] || continue
    expected_tables[$table]=1
    got=${restored[$table]:-missing}
    if [ "$got" = "$expected" ]; then
        printf '%s\t%s rows\tok\n' "$table" "$got"
    else
        printf '%s\t%s rows\tDIFFERS: the backup has %s\n' "$table" "$got" "$expected"
        differences=$((differences + 1))
    fi
    tables=$((tables + 1))
    rows=$((rows + expected))
done <"$dir/$name.counts"
for table in "${!restored[@]}"; do
    [ -n "${expected_tables[$table]:-}" ] || note "$table is not in the backup (left as it was)"
done
[ "$differences" = 0 ] || die "$differences of $tables tables in '$target' do not have the backup's row counts"

mode=restore
[ "$verify" = 0 ] || mode=verify
printf '{"mode":%s,"file":%s,"database":%s,"seconds":%s,"tables":%s,"rows":%s,"matches":true}\n' \
    "$(json_string "$mode")" "$(json_string "$dir/$name")" "$(json_string "$target")" \
    "$(seconds_since "$started")" "$tables" "$rows"
