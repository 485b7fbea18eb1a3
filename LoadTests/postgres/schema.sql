-- seat-load's PostgreSQL comparison target: the seats of :sessions sessions of a hall of :rows rows of :per_row
-- seats, as rows locked by transactions (what the cinema booking systems seatd replaces do).
-- psql -v sessions=100 -v rows=20 -v per_row=25 -f schema.sql
DROP TABLE IF EXISTS seats, bookings;
DROP SEQUENCE IF EXISTS hold_ids, holds, conflicts;
CREATE TABLE seats (
    session    int      NOT NULL,
    seat       int      NOT NULL,            -- row * per_row + num - 1: hall order
    row        int      NOT NULL,            -- 0-based row index
    num        int      NOT NULL,            -- seat number in the row, 1...per_row
    state      smallint NOT NULL DEFAULT 0,  -- 0 free, 1 held (until expires_at), 2 sold
    hold_id    bigint,
    expires_at timestamptz,
    PRIMARY KEY (session, seat)
) WITH (fillfactor = 70);                    -- room for HOT updates: state, hold_id and expires_at are not indexed
-- One row per seat of a confirmed hold, written in the confirming transaction: the rush's check compares it
-- with the sold seats.
CREATE TABLE bookings (
    hold_id      bigint      NOT NULL,
    session      int         NOT NULL,
    seat         int         NOT NULL,
    confirmed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE SEQUENCE hold_ids;
CREATE SEQUENCE holds;       -- successful holds
CREATE SEQUENCE conflicts;   -- holds refused: seats taken, or no block of k free seats
INSERT INTO seats (session, seat, row, num)
SELECT s, i, i / :per_row, i % :per_row + 1
FROM generate_series(0, :sessions - 1) AS s, generate_series(0, :rows * :per_row - 1) AS i;
VACUUM ANALYZE seats;
