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
#   --verify   restore into the scratch database made for it instead (VERIFY_DATABASE, default
#              <PGDATABASE>_verify), emptied before and after; never touches PGDATABASE
#   --latest   <dir> is a backup directory: take the newest complete backup of PGDATABASE in it
#
# Environment: PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE (libpq; PGDATABASE is required),
#   RESTORE_JOBS (parallel pg_restore workers, 1-16, default 2), VERIFY_DATABASE,
#   RESTORE_MAINTENANCE_WORK_MEM (memory per index build during the restore, 1MB-2147483647kB,
#   default 256MB).
#
# --verify uses only a database made for it: named *_verify, owned by the role this runs as, and
# either marked by an earlier verification (its COMMENT is SCRATCH_MARKER below) or empty, as the
# program creates it (then it is marked). Any other database is refused (exit 2) untouched.
#
# Before touching any database it checks every file against <name>.dump.sha256 (a missing,
# extra, truncated or altered file stops it) and that pg_restore can read the table of contents.
# After the restore it counts the rows of every table and compares them with <name>.dump.counts,
# the counts taken in the backup's own snapshot. It prints the counts per table and one JSON line.
# Exit 0 when restored and every count matches, 1 on any failure or difference, 2 on bad input,
# 143 when stopped by SIGTERM (130 by SIGINT): pg_restore and every other child is stopped first,
# and the message says in what state the target is (an interrupted restore leaves it incomplete:
# restore again with --clean).
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
[ "$clean" = 0 ] || [ "$verify" = 0 ] || usage_error "--clean and --verify do not go together (--verify always restores into the emptied scratch database)"
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
require_tools psql pg_restore grep awk find
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

# --- the scratch database of --verify -------------------------------------------------------------
# The comment that marks a database as the verification's scratch database.
SCRATCH_MARKER="ologywood restore verification scratch database: db-restore.sh --verify empties it and restores into it; it holds nothing to keep"

# What a database holds beyond what template0 gives it: schemas other than public, objects in
# public, extensions other than plpgsql, large objects, publications. Run in that database.
# shellcheck disable=SC2016 # $-free SQL, single quotes on purpose
HELD_OBJECTS_SQL='WITH public AS (SELECT oid FROM pg_namespace WHERE nspname = $$public$$)
SELECT (SELECT count(*) FROM pg_namespace WHERE nspname NOT IN ($$public$$, $$information_schema$$) AND nspname NOT LIKE $$pg\_%$$)
     + (SELECT count(*) FROM pg_class WHERE relnamespace IN (SELECT oid FROM public))
     + (SELECT count(*) FROM pg_proc WHERE pronamespace IN (SELECT oid FROM public))
     + (SELECT count(*) FROM pg_type WHERE typnamespace IN (SELECT oid FROM public))
     + (SELECT count(*) FROM pg_collation WHERE collnamespace IN (SELECT oid FROM public))
     + (SELECT count(*) FROM pg_conversion WHERE connamespace IN (SELECT oid FROM public))
     + (SELECT count(*) FROM pg_operator WHERE oprnamespace IN (SELECT oid FROM public))
     + (SELECT count(*) FROM pg_opfamily WHERE opfnamespace IN (SELECT oid FROM public))
     + (SELECT count(*) FROM pg_ts_config WHERE cfgnamespace IN (SELECT oid FROM public))
     + (SELECT count(*) FROM pg_ts_dict WHERE dictnamespace IN (SELECT oid FROM public))
     + (SELECT count(*) FROM pg_extension WHERE extname <> $$plpgsql$$)
     + (SELECT count(*) FROM pg_largeobject_metadata)
     + (SELECT count(*) FROM pg_publication)
     + (SELECT count(*) FROM pg_foreign_server);'

# Drops everything HELD_OBJECTS_SQL counts. Not dropdb/createdb (the owner role may not create
# databases) and not DROP OWNED (it would also revoke the role's privileges on other databases,
# the real one included). The public schema stays: before PostgreSQL 15 a bootstrap superuser owns
# it, so its contents are dropped one by one. Every statement is listed before the first runs
# (an object already gone with an earlier CASCADE is skipped by IF EXISTS).
# shellcheck disable=SC2016 # $-free SQL, single quotes on purpose
EMPTY_SQL='SET client_min_messages = warning;
DO $empty$
DECLARE
    statements text[];
    statement text;
BEGIN
    WITH public AS (SELECT oid FROM pg_namespace WHERE nspname = $$public$$),
    -- Objects that go with another one: the members of an extension, the sequence of a serial or
    -- identity column, a partition, the constructors of a range type, array and row types.
    dependent AS (
        SELECT classid, objid FROM pg_depend
        WHERE deptype IN ($$e$$, $$a$$, $$i$$) AND (refclassid, refobjid) <> (classid, objid)
    ),
    relations AS (
        SELECT c.relname, c.relkind FROM pg_class c
        WHERE c.relnamespace IN (SELECT oid FROM public) AND c.relkind IN ($$r$$, $$p$$, $$v$$, $$m$$, $$f$$, $$S$$)
          AND ($$pg_class$$::regclass, c.oid) NOT IN (SELECT classid, objid FROM dependent)
    ),
    drops(step, s) AS (
        SELECT 1, format($$DROP SCHEMA IF EXISTS %I CASCADE$$, nspname) FROM pg_namespace
            WHERE nspname NOT IN ($$public$$, $$information_schema$$) AND nspname NOT LIKE $$pg\_%$$
        UNION ALL SELECT 2, format($$DROP EXTENSION IF EXISTS %I CASCADE$$, extname) FROM pg_extension WHERE extname <> $$plpgsql$$
        UNION ALL SELECT 3, format($$DROP PUBLICATION IF EXISTS %I$$, pubname) FROM pg_publication
        UNION ALL SELECT 3, format($$DROP SERVER IF EXISTS %I CASCADE$$, srvname) FROM pg_foreign_server
        UNION ALL SELECT 4, format($$DROP %s IF EXISTS public.%I CASCADE$$,
                CASE relkind WHEN $$v$$ THEN $$VIEW$$ WHEN $$m$$ THEN $$MATERIALIZED VIEW$$ WHEN $$f$$ THEN $$FOREIGN TABLE$$
                             WHEN $$S$$ THEN $$SEQUENCE$$ ELSE $$TABLE$$ END, relname) FROM relations
        UNION ALL SELECT 5, format($$DROP TYPE IF EXISTS public.%I CASCADE$$, t.typname) FROM pg_type t
            WHERE t.typnamespace IN (SELECT oid FROM public)
              AND (t.typrelid = 0 OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = $$c$$)
              AND ($$pg_type$$::regclass, t.oid) NOT IN (SELECT classid, objid FROM dependent)
        UNION ALL SELECT 6, format($$DROP ROUTINE IF EXISTS public.%I(%s) CASCADE$$, proname, pg_get_function_identity_arguments(oid))
            FROM pg_proc WHERE pronamespace IN (SELECT oid FROM public)
              AND ($$pg_proc$$::regclass, oid) NOT IN (SELECT classid, objid FROM dependent)
        UNION ALL SELECT 7, format($$DROP OPERATOR IF EXISTS public.%s(%s, %s) CASCADE$$, oprname,
                CASE WHEN oprleft = 0 THEN $$NONE$$ ELSE oprleft::regtype::text END, CASE WHEN oprright = 0 THEN $$NONE$$ ELSE oprright::regtype::text END)
            FROM pg_operator WHERE oprnamespace IN (SELECT oid FROM public)
        UNION ALL SELECT 8, format($$DROP OPERATOR FAMILY IF EXISTS public.%I USING %I CASCADE$$, opfname, (SELECT amname FROM pg_am WHERE oid = opfmethod))
            FROM pg_opfamily WHERE opfnamespace IN (SELECT oid FROM public)
        UNION ALL SELECT 8, format($$DROP COLLATION IF EXISTS public.%I CASCADE$$, collname) FROM pg_collation WHERE collnamespace IN (SELECT oid FROM public)
        UNION ALL SELECT 8, format($$DROP CONVERSION IF EXISTS public.%I CASCADE$$, conname) FROM pg_conversion WHERE connamespace IN (SELECT oid FROM public)
        UNION ALL SELECT 8, format($$DROP TEXT SEARCH CONFIGURATION IF EXISTS public.%I CASCADE$$, cfgname) FROM pg_ts_config WHERE cfgnamespace IN (SELECT oid FROM public)
        UNION ALL SELECT 9, format($$DROP TEXT SEARCH DICTIONARY IF EXISTS public.%I CASCADE$$, dictname) FROM pg_ts_dict WHERE dictnamespace IN (SELECT oid FROM public)
        UNION ALL SELECT 10, format($$SELECT pg_catalog.lo_unlink(%s)$$, oid) FROM pg_largeobject_metadata
    )
    SELECT array_agg(s ORDER BY step) INTO statements FROM drops;
    FOREACH statement IN ARRAY coalesce(statements, $${}$$) LOOP
        EXECUTE statement;
    END LOOP;
END
$empty$;'

# Checks, changing nothing, that a database may serve as the scratch database; exit 2 if not.
check_scratch_database() { # database
    local found owner me comment held
    [ "$1" != "$PGDATABASE" ] || usage_error "VERIFY_DATABASE must not be PGDATABASE ('$PGDATABASE'): --verify never touches the real database"
    [[ "$1" =~ _verify$ ]] || usage_error "VERIFY_DATABASE '$1' is not a scratch database of the verification: its name must end in _verify (the program makes <database>_verify)"
    found=$(psql -X -A -t -q -v ON_ERROR_STOP=1 -F $'\t' -v db="$1" -d "$PGDATABASE" 2>&1 <<'SQL'
SELECT pg_catalog.pg_get_userbyid(datdba), current_user, coalesce(pg_catalog.shobj_description(oid, 'pg_database'), '')
FROM pg_catalog.pg_database WHERE datname = :'db';
SQL
    ) || die "cannot look up the scratch database '$1': $(printf '%s' "$found" | tr '\n' ' ')"
    [ -n "$found" ] || usage_error "the scratch database '$1' does not exist: the program creates it (the postgresql Database <database>_verify, owned by the owner role); run pulumi up first"
    IFS=$'\t' read -r owner me comment <<<"$found"
    [ "$owner" = "$me" ] || usage_error "refusing to use '$1' as the scratch database: it is owned by '$owner', not by '$me' (the role this runs as, which owns the scratch database the program makes)"
    [ "$comment" != "$SCRATCH_MARKER" ] || return 0
    held=$(psql -X -A -t -q -v ON_ERROR_STOP=1 -d "$1" -c "$HELD_OBJECTS_SQL" 2>&1) \
        || die "cannot look into the scratch database '$1': $(printf '%s' "$held" | tr '\n' ' ')"
    [ "$held" = 0 ] || usage_error "refusing to use '$1' as the scratch database: it is not marked as one (its comment is '${comment}') and it holds $held objects (schemas, tables, functions, ...). Only the empty database the program makes, or one an earlier verification marked, is emptied and restored into."
}

# Marks the scratch database (checked by check_scratch_database) as such and empties it.
empty_scratch_database() { # database
    local out
    out=$(psql -X -A -t -q -v ON_ERROR_STOP=1 -v db="$1" -v marker="$SCRATCH_MARKER" -d "$1" 2>&1 <<SQL
SET lock_timeout = '10s';
COMMENT ON DATABASE :"db" IS :'marker';
$EMPTY_SQL
SQL
    ) || { note "could not empty the scratch database '$1': $(printf '%s' "$out" | tr '\n' ' ')"; return 1; }
}

scratch=$(mktemp -d)
target=""
empty_target_at_exit=0
cleanup() {
    # The verification leaves no copy of the data behind: the scratch database is emptied again.
    if [ "$empty_target_at_exit" = 1 ]; then empty_scratch_database "$target" || true; fi
    rm -rf -- "$scratch"
}
trap cleanup EXIT

# --- stopped by a signal -----------------------------------------------------------------------------
# Kubernetes sends SIGTERM at the Job's deadline, on eviction and on kubectl delete (then SIGKILL
# after the grace period). Without this, bash would die at once and leave pg_restore running on its
# own, with no row-count check after it. Long steps run in the background and are waited for,
# because bash runs a trap only between commands.
phase=checks
stopped() { # signal, exit status
    trap '' TERM INT
    stop_descendants
    local what="stopped by SIG$1"
    case "$phase" in
        checks) what+=" before touching any database: nothing was changed" ;;
        empty) what+=" while emptying the scratch database '$target'" ;;
        restore) what+=" while pg_restore was restoring into" ;;
        count) what+=" after pg_restore finished, while counting the rows of" ;;
    esac
    if [ "$phase" = checks ]; then
        :
    elif [ "$verify" = 1 ]; then
        [ "$phase" = empty ] || what+=" the scratch database '$target'"
        what+=": the verification did not finish; nothing else was touched (the scratch database is emptied now)"
    elif [ "$phase" = restore ]; then
        what+=" '$target': '$target' is INCOMPLETE (tables may be missing, partly loaded, or without their indexes and constraints); pg_restore and its workers are stopped. Do not let the app use it. Restore again, replacing what is there: db-restore.sh --clean $dir/$name"
    else
        what+=" '$target': it is restored but NOT VERIFIED against the backup's row counts. Restore again to be sure: db-restore.sh --clean $dir/$name"
    fi
    echo "$DB_SCRIPT: error: $what" >&2
    exit "$2"
}
trap 'stopped TERM 143' TERM
trap 'stopped INT 130' INT

# --- the target, checked before anything else (nothing is changed yet) -------------------------------
check_connection "$PGDATABASE"
if [ "$verify" = 1 ]; then
    target=${VERIFY_DATABASE:-${PGDATABASE}_verify}
    check_scratch_database "$target"
else
    target=$PGDATABASE
    existing=$(psql -X -A -t -q -v ON_ERROR_STOP=1 -d "$target" -c "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'")
    if [ "$existing" != 0 ] && [ "$clean" = 0 ]; then
        die "'$target' is not empty ($existing tables, views or sequences): refusing to restore over it. Pass --clean to replace its contents."
    fi
fi

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

# --- 2. the scratch database of --verify: marked as such, emptied ---------------------------------
if [ "$verify" = 1 ]; then
    phase=empty
    empty_target_at_exit=1
    empty_scratch_database "$target" || die "the scratch database '$target' could not be emptied for the restore"
fi

# --- 3. restore ---------------------------------------------------------------------------------
clean_flags=()
if [ "$clean" = 1 ]; then clean_flags=(--clean --if-exists); fi
# For the restore's own sessions only: index builds sort in memory, and commits do not wait for
# the WAL flush (a crash mid-restore means restoring again anyway). Both are ordinary user settings.
phase=restore
PGOPTIONS="${PGOPTIONS:-} -c maintenance_work_mem=${RESTORE_MAINTENANCE_WORK_MEM} -c synchronous_commit=off" \
pg_restore --jobs="$jobs" --exit-on-error "${clean_flags[@]}" --dbname="$target" "$dump" 2>"$scratch/pg_restore.log" &
wait $! || die "pg_restore into '$target' failed; the database may be partly restored: $(tr '\n' ' ' <"$scratch/pg_restore.log")"

# --- 4. integrity: rows per table against the backup's own counts ---------------------------------
phase=count
count_rows "$target" >"$scratch/restored" &
wait $! || die "counting rows in '$target' failed"
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
