#!/usr/bin/env bash
# Post-deploy check, run by `pulumi up` itself (a @pulumi/command local.Command) on the machine
# running the update, once the new version is rolled out. It fails the update when the public
# URL does not answer as expected, so even a bare `pulumi up` never "succeeds" on a dead service.
#
# Environment:
#   CHECK_URL          URL to request (required)
#   EXPECT_STATUS      HTTP status that counts as success (default 200)
#   EXPECT_HEADER      optional header name that must be present (e.g. Retry-After on the maintenance page)
#   ATTEMPTS           how many tries before giving up (default 30)
#   INTERVAL_SECONDS   pause between tries (default 10)
#   TIMEOUT_SECONDS    timeout of one request (default 5)
set -euo pipefail

: "${CHECK_URL:?CHECK_URL is required (the URL to check)}"
EXPECT_STATUS="${EXPECT_STATUS:-200}"
EXPECT_HEADER="${EXPECT_HEADER:-}"
ATTEMPTS="${ATTEMPTS:-30}"
INTERVAL_SECONDS="${INTERVAL_SECONDS:-10}"
TIMEOUT_SECONDS="${TIMEOUT_SECONDS:-5}"

if ! command -v curl >/dev/null 2>&1; then
    echo "post-deploy check: curl is required on the machine running pulumi up" >&2
    exit 2
fi

headers_file="$(mktemp)"
trap 'rm -f "$headers_file"' EXIT

for attempt in $(seq 1 "$ATTEMPTS"); do
    status="$(curl --silent --output /dev/null --dump-header "$headers_file" --write-out '%{http_code}' \
        --max-time "$TIMEOUT_SECONDS" "$CHECK_URL" 2>/dev/null || true)"
    header_ok=1
    if [ -n "$EXPECT_HEADER" ] && ! grep -qi "^${EXPECT_HEADER}:" "$headers_file"; then
        header_ok=0
    fi
    if [ "$status" = "$EXPECT_STATUS" ] && [ "$header_ok" = 1 ]; then
        echo "post-deploy check passed: $CHECK_URL answered $status (attempt $attempt of $ATTEMPTS)"
        exit 0
    fi
    detail="answered ${status:-nothing}"
    [ "$header_ok" = 1 ] || detail="$detail without a $EXPECT_HEADER header"
    echo "post-deploy check: $CHECK_URL $detail, expected $EXPECT_STATUS (attempt $attempt of $ATTEMPTS)" >&2
    if [ "$attempt" -lt "$ATTEMPTS" ]; then
        sleep "$INTERVAL_SECONDS"
    fi
done

echo "post-deploy check FAILED: $CHECK_URL did not answer $EXPECT_STATUS after $ATTEMPTS attempts" >&2
exit 1
