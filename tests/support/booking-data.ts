/**
 * A database shaped like the booking app's (artists, bookings, error_logs with their keys,
 * indexes and a foreign key), filled by the server itself from generate_series: deterministic,
 * fast, and the same for the tests and for `npm run bench:backup`.
 */

export interface BookingRows {
    artists: number;
    bookings: number;
    errorLogs: number;
}

export const BOOKING_SCHEMA_SQL = `
CREATE TABLE artists (
    id bigserial PRIMARY KEY,
    name text NOT NULL,
    email text NOT NULL UNIQUE,
    genre text NOT NULL,
    bio text,
    base_fee numeric(10, 2) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE bookings (
    id bigserial PRIMARY KEY,
    artist_id bigint NOT NULL REFERENCES artists (id),
    event_date date NOT NULL,
    venue_name text NOT NULL,
    venue_address text NOT NULL,
    event_details text,
    fee numeric(10, 2) NOT NULL CHECK (fee >= 0),
    status text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bookings_artist_id_idx ON bookings (artist_id);
CREATE INDEX bookings_event_date_idx ON bookings (event_date);
CREATE TABLE error_logs (
    id bigserial PRIMARY KEY,
    level text NOT NULL,
    message text NOT NULL,
    stack text,
    context jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX error_logs_created_at_idx ON error_logs (created_at);
`;

/** Rows with multi-line text, quotes, tabs and backslashes too, so COPY escaping is exercised. */
export function seedSql(rows: BookingRows): string {
    const { artists, bookings, errorLogs } = rows;
    if (artists < 1) throw new Error("at least one artist: bookings refer to artists");
    return `
INSERT INTO artists (name, email, genre, bio, base_fee, created_at)
SELECT 'Artist ' || i, 'artist' || i || '@example.com',
       (ARRAY['jazz', 'rock', 'folk', 'classical', 'electronic'])[1 + i % 5],
       CASE WHEN i % 97 = 0 THEN E'line one\\nline "two"\\twith a tab and a \\\\ backslash' ELSE repeat(md5(i::text), 3) END,
       100 + (i % 5000), timestamptz '2024-01-01' + i * interval '1 minute'
FROM generate_series(1, ${artists}) AS i;
INSERT INTO bookings (artist_id, event_date, venue_name, venue_address, event_details, fee, status, created_at)
SELECT 1 + i % ${artists}, date '2025-01-01' + (i % 730), 'Venue ' || (i % 9973),
       (i % 999) || ' ' || md5((i * 7)::text) || ' Street', repeat(md5(i::text), 2), (i % 100000) / 10.0,
       (ARRAY['pending', 'confirmed', 'cancelled'])[1 + i % 3], timestamptz '2024-06-01' + i * interval '1 second'
FROM generate_series(1, ${bookings}) AS i;
INSERT INTO error_logs (level, message, stack, context, created_at)
SELECT (ARRAY['error', 'warn', 'fatal'])[1 + i % 3], 'Booking failed: ' || md5(i::text),
       repeat('at handler (' || md5((i * 3)::text) || ':' || (i % 400) || E')\\n', 6),
       jsonb_build_object('requestId', md5((i * 11)::text), 'userId', i % 50000, 'path', '/api/trpc/booking.create'),
       timestamptz '2025-01-01' + i * interval '2 second'
FROM generate_series(1, ${errorLogs}) AS i;
ANALYZE;
`;
}

/** Measured: 50k artists, 1M bookings, 500k error logs make a 537 MB database (PostgreSQL 15). */
const MB_PER_UNIT = 537;
const UNIT: BookingRows = { artists: 50_000, bookings: 1_000_000, errorLogs: 500_000 };

/** Rows for a database of about `megabytes` MB, in the proportions above. */
export function rowsForMegabytes(megabytes: number): BookingRows {
    const f = megabytes / MB_PER_UNIT;
    return {
        artists: Math.max(1, Math.round(UNIT.artists * f)),
        bookings: Math.round(UNIT.bookings * f),
        errorLogs: Math.round(UNIT.errorLogs * f),
    };
}

export const totalRows = (r: BookingRows) => r.artists + r.bookings + r.errorLogs;

/** The counts db-backup.sh records for this data, as `schema.table -> rows`. */
export function expectedCounts(r: BookingRows): Record<string, number> {
    return { "public.artists": r.artists, "public.bookings": r.bookings, "public.error_logs": r.errorLogs };
}
