# shellcheck shell=bash
# Shared by db-backup.sh and db-restore.sh (sourced, never run): the one row-count query, the
# checksum tool, errors, JSON and stopping child processes. Both scripts and this file travel
# together in one ConfigMap.

# Name used in messages; each script sets it before sourcing.
: "${DB_SCRIPT:=db-script}"

die() {
    echo "$DB_SCRIPT: error: $*" >&2
    exit 1
}

# Bad input (arguments, environment): exit 2, nothing touched.
usage_error() {
    echo "$DB_SCRIPT: error: $*" >&2
    exit 2
}

note() {
    echo "$DB_SCRIPT: $*" >&2
}

require_tools() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null 2>&1 || die "'$tool' is not on PATH (the PostgreSQL client tools and coreutils are required)"
    done
}

# A whole number from min to max. Checked as text first: bash's arithmetic is 64-bit and wraps
# silently, so a huge value must never reach it (213503982334601 retention days times 86400
# seconds wraps to a cutoff in the future). The bounds are the config schema's (config/database.ts).
require_integer_in() { # name value min max
    if [[ ! "$2" =~ ^(0|[1-9][0-9]{0,9})$ ]] || (( $2 < $3 || $2 > $4 )); then
        usage_error "$1 must be a whole number from $3 to $4, got '$2'"
    fi
}

# A connection that fails here fails fast and says why (wrong password, unreachable host),
# before anything is written. PGCONNECT_TIMEOUT bounds the wait for an unreachable host.
check_connection() { # database
    local out
    if ! out=$(PGCONNECT_TIMEOUT="${PGCONNECT_TIMEOUT:-10}" psql -X -A -t -q -v ON_ERROR_STOP=1 -d "$1" -c 'SELECT 1' 2>&1); then
        die "cannot connect to database '$1' on ${PGHOST:-local socket}:${PGPORT:-5432} as '${PGUSER:-$(id -un)}': $(printf '%s' "$out" | tr '\n' ' ')"
    fi
}

# Rows per ordinary table, as "oid<TAB>schema.table<TAB>rows", sorted by name. Tables owned by
# extensions are left out (pg_dump does not dump their data). count(*) runs through
# query_to_xml so that one statement counts every table.
# shellcheck disable=SC2016 # $-free SQL, single quotes on purpose
COUNT_ROWS_SQL='SELECT c.oid, n.nspname || $$.$$ || c.relname,
       (xpath($$/row/n/text()$$, query_to_xml(format($$SELECT count(*) AS n FROM %I.%I$$, n.nspname, c.relname), false, true, $$$$)))[1]::text
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = $$r$$
  AND n.nspname <> $$information_schema$$ AND n.nspname NOT LIKE $$pg\_%$$
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = $$pg_class$$::regclass AND d.objid = c.oid AND d.deptype = $$e$$)
ORDER BY 2;'

# Counts rows in a database (a fresh session) and prints them as COUNT_ROWS_SQL does.
count_rows() { # database
    psql -X -A -t -q -v ON_ERROR_STOP=1 -F $'\t' -d "$1" -c "$COUNT_ROWS_SQL"
}

# The header line of a .counts file: which database the backup is of (retention relies on it).
counts_header() { # database
    printf '# database: %s\n' "$1"
}

# sha256 of a file. openssl uses the CPU's SHA extensions and is several times faster than
# coreutils' sha256sum on large dumps; both give the same digest.
sha256_of() { # file
    if command -v openssl >/dev/null 2>&1; then
        openssl dgst -sha256 -r "$1" | cut -d' ' -f1
    else
        sha256sum "$1" | cut -d' ' -f1
    fi
}

# Rows in one data file of a directory-format dump: COPY text writes one line per row (newlines
# inside values are escaped) and ends with a line "\.". A file without that line is truncated.
rows_in_data_file() { # file
    local line
    case "$1" in
        *.gz) line=$(gzip -dc -- "$1" | grep -n -m1 -x -F '\.' || true) ;;
        *) line=$(grep -n -m1 -x -F '\.' -- "$1" || true) ;;
    esac
    [ -n "$line" ] || { echo "truncated"; return 0; }
    echo $(( ${line%%:*} - 1 ))
}

# A string as a JSON string literal.
json_string() {
    local s=$1
    s=${s//\\/\\\\}
    s=${s//\"/\\\"}
    s=${s//$'\n'/\\n}
    s=${s//$'\t'/\\t}
    printf '"%s"' "$s"
}

# Seconds since $1 (an EPOCHREALTIME value), with two decimals.
seconds_since() {
    awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'
}

# Total bytes of the regular files under a path.
bytes_of() {
    find "$1" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%.0f", s }'
}

# The processes started by a process, and theirs, read from /proc (Linux): pg_restore's workers and
# a checksum's openssl are not this shell's own children, which is all `jobs -p` knows. Builtins
# only, so that looking adds no process of its own. Sets DESCENDANTS.
descendants_of() { # pid
    local stat pid rest child
    local -a queue
    local -A children_of=()
    for stat in /proc/[0-9]*/stat; do
        { IFS= read -r rest <"$stat"; } 2>/dev/null || continue
        pid=${stat#/proc/}
        pid=${pid%/stat}
        rest=${rest##*) } # the fields after "(command name)", which may hold spaces: state, ppid, ...
        rest=${rest#* }
        children_of[${rest%% *}]+=" $pid"
    done
    DESCENDANTS=()
    queue=("$1")
    while [ ${#queue[@]} -gt 0 ]; do
        for child in ${children_of[${queue[0]}]:-}; do
            DESCENDANTS+=("$child")
            queue+=("$child")
        done
        queue=("${queue[@]:1}")
    done
}

# A process that exists and is not a zombie.
is_running() { # pid
    local rest
    { IFS= read -r rest <"/proc/$1/stat"; } 2>/dev/null || return 1
    rest=${rest##*) }
    [ "${rest%% *}" != Z ]
}

# Stops every process this shell started, and theirs, and returns once none is left: SIGTERM
# first (pg_restore then stops its workers and cancels their queries on the server), SIGKILL
# after 5 seconds for whatever is still there.
stop_descendants() {
    local signal pid tries
    local -a left
    descendants_of "$$"
    for signal in TERM KILL; do
        for (( tries = 0; tries < 50; tries++ )); do
            left=()
            for pid in "${DESCENDANTS[@]}"; do
                if is_running "$pid"; then left+=("$pid"); fi
            done
            [ ${#left[@]} -gt 0 ] || return 0
            if [ "$tries" = 0 ]; then kill -s "$signal" "${left[@]}" 2>/dev/null || true; fi
            sleep 0.1
        done
    done
}
