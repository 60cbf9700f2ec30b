#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Backs up one PostgreSQL database and proves the backup is complete before it gets its final
# name. Runs in the cluster (pre-deploy Job, scheduled CronJob, pre-restore safety copy) and in
# the tests against a real server; see docs/database.md.
#
# Environment:
#   PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE   libpq connection (PGDATABASE is required)
#   BACKUP_DIR              directory to write to (required, must exist)
#   BACKUP_LABEL            why this backup was made: pre_deployment, scheduled, ... (default manual)
#   BACKUP_RETENTION_DAYS   if set, delete this database's backups older than this many days (1-3650)
#   BACKUP_JOBS             parallel pg_dump workers, 1-16 (default 2)
#   BACKUP_COMPRESSION      gzip level of the data files, 0-9 (default 0: fastest, largest)
#
# Writes, all or nothing:
#   BACKUP_DIR/<database>_<label>_<UTC timestamp>.dump/     pg_dump directory format
#   BACKUP_DIR/<database>_<label>_<UTC timestamp>.dump.counts  rows per table, same snapshot
#   BACKUP_DIR/<database>_<label>_<UTC timestamp>.dump.sha256  sha256sum -c format, every file
# then prints one JSON line: {"file", "bytes", "seconds", "tables", "rows", ...}.
#
# How it is verified: the row counts are taken inside the very snapshot pg_dump dumps (an
# exported snapshot), and every table's data file must hold exactly that many rows and end with
# COPY's end marker; `pg_restore --list` must read the table of contents. Only then are the files
# renamed to their final names. Exit 0 on success, 1 on failure, 2 on bad input.
set -euo pipefail

DB_SCRIPT=db-backup
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=db-lib.sh
. "$here/db-lib.sh"

started=$EPOCHREALTIME

# --- input ------------------------------------------------------------------------------------
[ -n "${PGDATABASE:-}" ] || usage_error "PGDATABASE is required (the database to back up)"
[[ "$PGDATABASE" =~ ^[A-Za-z0-9_-]+$ ]] || usage_error "PGDATABASE must be letters, digits, '_' or '-' (it names the backup files), got '$PGDATABASE'"
[ -n "${BACKUP_DIR:-}" ] || usage_error "BACKUP_DIR is required (the directory the backup is written to)"
if [ ! -d "$BACKUP_DIR" ] || [ ! -w "$BACKUP_DIR" ]; then
    usage_error "BACKUP_DIR '$BACKUP_DIR' is not a writable directory"
fi
label=${BACKUP_LABEL:-manual}
[[ "$label" =~ ^[a-z0-9][a-z0-9_-]{0,62}$ ]] || usage_error "BACKUP_LABEL must be lowercase letters, digits, '_' or '-' (e.g. pre_deployment, scheduled), got '$label'"
retention=${BACKUP_RETENTION_DAYS:-}
[ -z "$retention" ] || require_integer_in BACKUP_RETENTION_DAYS "$retention" 1 3650
jobs=${BACKUP_JOBS:-2}
require_integer_in BACKUP_JOBS "$jobs" 1 16
compression=${BACKUP_COMPRESSION:-0}
require_integer_in BACKUP_COMPRESSION "$compression" 0 9
require_tools psql pg_dump pg_restore grep awk find date flock stat

BACKUP_DIR=${BACKUP_DIR%/}
name="${PGDATABASE}_${label}_$(date -u +%Y%m%dT%H%M%SZ).dump"
final="$BACKUP_DIR/$name"
[ ! -e "$final" ] || die "$final already exists (two backups with the same label in one second?)"

# --- work directories left by killed runs of this database's backups ---------------------------
# A run killed with SIGKILL (an OOM kill, a deadline whose grace period ran out) cannot remove its
# work directory, which may hold a whole dump. Such a directory is stale, and removed here, when
#   - its counts file says it is of this database (not of another one whose name starts with ours), and
#   - no process holds its lock file. Every run locks it before it writes that header, and the
#     kernel drops the lock only when the run and every child that inherited it (pg_dump) are gone:
#     a backup still running keeps its directory however long it runs, with no clock involved.
#     (flock on a file opened for writing works on NFS volumes too.)
# Directories of earlier versions of this script have no lock file: they are taken only when
# unchanged for 2 days, longer than any backup Job may run (backup.jobDeadlineSeconds <= 1 day).
# A directory without the header (a run killed between mkdir and taking its lock) is left alone.
for partial in "$BACKUP_DIR/.${PGDATABASE}_"*.dump.partial; do
    [ -d "$partial" ] || continue
    header=""
    IFS= read -r header <"$partial/counts" 2>/dev/null || true
    [ "$header" = "$(counts_header "$PGDATABASE")" ] || continue
    bytes=$(bytes_of "$partial")
    why=""
    if [ -f "$partial/lock" ]; then
        # Not ours to open (another user's file): not ours to remove either.
        if { exec {stale_lock}>>"$partial/lock"; } 2>/dev/null; then
            if flock -x -n "$stale_lock"; then why="the work directory of a backup that was killed"; fi
        fi
    elif [ $(( $(date +%s) - $(stat -c %Y -- "$partial") )) -gt $(( 2 * 86400 )) ]; then
        why="the work directory of a backup that was killed, unchanged for 2 days"
    fi
    if [ -n "$why" ]; then
        # A stale directory that cannot be removed is noted; it does not stop this backup.
        if rm -rf -- "$partial" 2>/dev/null; then
            note "removed ${partial##*/}, $why ($bytes bytes)"
        else
            note "could not remove ${partial##*/}, $why ($bytes bytes): remove it by hand"
        fi
    fi
    if [ -n "${stale_lock:-}" ]; then exec {stale_lock}>&-; stale_lock=""; fi
done

# Everything is written under a hidden work directory and renamed at the very end.
work="$BACKUP_DIR/.$name.partial"
dump_pid=""
committed=0
watcher_pid=""
cleanup() {
    if [ -n "$dump_pid" ]; then kill "$dump_pid" 2>/dev/null || true; fi
    # The checks still running must not write into a directory being removed.
    if [ -n "$watcher_pid" ]; then wait "$watcher_pid" 2>/dev/null || true; fi
    if [ "$committed" = 0 ]; then rm -rf -- "$work"; fi
}
trap cleanup EXIT
mkdir -- "$work"
# The lock first, then the header that marks the directory as this database's (see above).
exec {work_lock}>"$work/lock"
flock -x -n "$work_lock" || die "cannot lock $work/lock"
counts_header "$PGDATABASE" >"$work/counts"

# --- dump and count in one snapshot -------------------------------------------------------------
check_connection "$PGDATABASE"

# A session that exports its snapshot and stays open while pg_dump uses it; the row counts run
# in that same transaction, so they describe exactly the data in the dump.
coproc SNAPSHOT { exec psql -X -A -t -q -v ON_ERROR_STOP=1 -F $'\t' -d "$PGDATABASE" 2>&1; }
session_pid=$SNAPSHOT_PID
to_session=${SNAPSHOT[1]}
from_session=${SNAPSHOT[0]}
# The counts run on one core: a parallel scan would take CPU from pg_dump, which runs meanwhile.
printf '%s\n' 'SET max_parallel_workers_per_gather = 0;' 'BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;' 'SELECT pg_export_snapshot();' >&"$to_session"
snapshot=""
IFS= read -r -t 60 snapshot <&"$from_session" || true
[[ "$snapshot" =~ ^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$ ]] || die "could not export a snapshot of '$PGDATABASE': ${snapshot:-no answer within 60 s}"

# Each data file is checked (rows, sha256) as soon as pg_dump reports it finished, while the
# other tables are still being dumped. The check notes the file's size and mtime, so a file that
# changed afterwards is checked again at the end.
mkdir -- "$work/check"
data_file() { # dump id
    if [ -e "$work/dump/$1.dat.gz" ]; then echo "$work/dump/$1.dat.gz"; else echo "$work/dump/$1.dat"; fi
}
check_data_file() { # dump id
    local f
    f=$(data_file "$1")
    [ -e "$f" ] || return 0
    stat -c '%s:%Y' -- "$f" >"$work/check/$1.stamp"
    sha256_of "$f" >"$work/check/$1.sha256" &
    rows_in_data_file "$f" >"$work/check/$1.rows"
    wait
}

pg_dump --verbose --format=directory --jobs="$jobs" --compress="$compression" --snapshot="$snapshot" \
    --file="$work/dump" "$PGDATABASE" 2>"$work/pg_dump.log" &
dump_pid=$!
tail -s 0.05 --pid="$dump_pid" -n +1 -f -- "$work/pg_dump.log" | {
    while IFS= read -r line; do
        if [[ "$line" =~ finished\ item\ ([0-9]+)\ TABLE\ DATA\  ]]; then check_data_file "${BASH_REMATCH[1]}" & fi
    done
    wait
} &
watcher_pid=$!

printf '%s\n' "$COUNT_ROWS_SQL" "SELECT 'end-of-counts';" >&"$to_session"
session_errors=""
got_end=0
while IFS= read -r line <&"$from_session"; do
    if [ "$line" = end-of-counts ]; then got_end=1; break; fi
    if [[ "$line" =~ ^[0-9]+$'\t'.+$'\t'[0-9]+$ ]]; then
        printf '%s\n' "$line" >>"$work/counts"
    else
        session_errors+="$line "
    fi
done
[ "$got_end" = 1 ] || die "counting rows in '$PGDATABASE' failed: ${session_errors:-the session ended}"

dump_status=0
wait "$dump_pid" || dump_status=$?
dump_pid=""
wait "$watcher_pid" || true
if [ "$dump_status" != 0 ]; then
    die "pg_dump failed (exit $dump_status): $(grep -v -E '^pg_dump: (reading|identifying|saving|dumping|finished|last built-in|flagging|processing|launching)' "$work/pg_dump.log" | tail -5 | tr '\n' ' ')"
fi

# End the snapshot's transaction and the session.
printf '%s\n' 'COMMIT;' '\q' >&"$to_session"
exec {to_session}>&-
wait "$session_pid" 2>/dev/null || true

# --- verify -------------------------------------------------------------------------------------
pg_restore --list "$work/dump" >"$work/toc" 2>"$work/pg_restore.log" \
    || die "pg_restore cannot read the dump's table of contents: $(tr '\n' ' ' <"$work/pg_restore.log")"

declare -A data_file_of_oid=()
while IFS= read -r entry; do
    # "3369; 0 16386 TABLE DATA public artists owner": dump id, catalog oid, table oid.
    if [[ "$entry" =~ ^([0-9]+)\;\ [0-9]+\ ([0-9]+)\ TABLE\ DATA\  ]]; then
        data_file_of_oid[${BASH_REMATCH[2]}]=${BASH_REMATCH[1]}
    fi
done <"$work/toc"

# Files not checked while dumping (pg_dump --jobs=1 reports nothing), or changed since: now.
for id in "${data_file_of_oid[@]}"; do
    f=$(data_file "$id")
    [ -e "$f" ] || continue
    if [ ! -s "$work/check/$id.rows" ] || [ "$(stat -c '%s:%Y' -- "$f")" != "$(cat "$work/check/$id.stamp" 2>/dev/null)" ]; then
        check_data_file "$id"
    fi
done

tables=0
rows=0
declare -A counted=()
while IFS=$'\t' read -r oid table expected; do
    [[ "$oid" =~ ^[0-9]+$ ]] || continue
    counted[$oid]=1
    id=${data_file_of_oid[$oid]:-}
    [ -n "$id" ] || die "table $table has $expected rows but no data in the dump"
    [ -e "$(data_file "$id")" ] || die "the data file of table $table ($id.dat) is missing from the dump"
    in_dump=$(cat "$work/check/$id.rows")
    [ "$in_dump" = "$expected" ] || die "table $table: $expected rows in the database but ${in_dump} in the dump"
    tables=$((tables + 1))
    rows=$((rows + expected))
done <"$work/counts"
for oid in "${!data_file_of_oid[@]}"; do
    [ -n "${counted[$oid]:-}" ] || die "the dump has data for a table that was not counted (oid $oid)"
done

{
    for f in "$work/dump"/*; do
        base=${f##*/}
        id=${base%%.*}
        if [ -s "$work/check/$id.sha256" ]; then sum=$(cat "$work/check/$id.sha256"); else sum=$(sha256_of "$f"); fi
        printf '%s  %s\n' "$sum" "$name/$base"
    done
    printf '%s  %s\n' "$(sha256_of "$work/counts")" "$name.counts"
} >"$work/sha256"

# --- commit: final names, the checksum file last ----------------------------------------------
mv -- "$work/dump" "$final"
mv -- "$work/counts" "$final.counts"
mv -- "$work/sha256" "$final.sha256"
committed=1
rm -rf -- "$work"

# --- retention: only complete sets whose .counts says they are of this database ---------------
removed=0
if [ -n "$retention" ]; then
    cutoff=$(date -u -d "@$(( $(date +%s) - retention * 86400 ))" +%Y%m%dT%H%M%SZ)
    for counts in "$BACKUP_DIR/${PGDATABASE}_"*.dump.counts; do
        [ -e "$counts" ] || continue
        base=${counts%.counts}
        [[ "${base##*/}" =~ _([0-9]{8}T[0-9]{6}Z)\.dump$ ]] || continue
        stamp=${BASH_REMATCH[1]}
        [[ "$stamp" < "$cutoff" ]] || continue
        [ "$base" != "$final" ] || continue
        header=""
        IFS= read -r header <"$counts" || true
        [ "$header" = "$(counts_header "$PGDATABASE")" ] || continue
        # The .counts file goes last: it is what marks a set as ours if this is interrupted.
        rm -rf -- "$base.sha256" "$base"
        rm -f -- "$counts"
        note "retention: removed ${base##*/} (older than $retention days)"
        removed=$((removed + 1))
    done
fi

printf '{"file":%s,"bytes":%s,"seconds":%s,"tables":%s,"rows":%s,"database":%s,"label":%s,"removed":%s}\n' \
    "$(json_string "$final")" "$(bytes_of "$final")" "$(seconds_since "$started")" "$tables" "$rows" \
    "$(json_string "$PGDATABASE")" "$(json_string "$label")" "$removed"
