-- pgbench script of seat-load's rush scenario: each client is a stream of buyers, each transaction one request.
-- A buyer holds the best block of k adjacent free seats (k from 1...max_seats; seatd's rule: smallest distance
-- from the hall's centre, ties to the lower row, then the lower first seat) for ttl seconds, then confirms it
-- (confirm_pct %), releases it (release_pct %) or walks away and lets it lapse (the rest). When a buyer finds
-- no block and no seat is left unsold, the client ends itself with an error (pgbench has no other way to stop
-- a client): the run is over once every client has seen the sell-out.
-- pgbench -n -M prepared -f rush.sql -D held=0 -D sessions=1 -D rows=20 -D per_row=25 -D max_seats=6 -D ttl=2 \
--         -D confirm_pct=60 -D release_pct=20 ...
\if :held
\if :action = 1
WITH sold AS (
    UPDATE seats SET state = 2, expires_at = NULL
     WHERE session = :session AND seat BETWEEN :first AND :last AND hold_id = :hold AND state = 1
       AND expires_at > now()
 RETURNING session, seat)
INSERT INTO bookings (hold_id, session, seat) SELECT :hold, session, seat FROM sold;
\else
UPDATE seats SET state = 0, hold_id = NULL, expires_at = NULL
 WHERE session = :session AND seat BETWEEN :first AND :last AND hold_id = :hold AND state = 1;
\endif
\set held 0
\else
\set session random(0, :sessions - 1)
\set k random(1, :max_seats)
WITH free AS (
    SELECT row, num, num - row_number() OVER (PARTITION BY row ORDER BY num) AS run
      FROM seats WHERE session = :session AND (state = 0 OR (state = 1 AND expires_at < now()))),
runs AS (
    SELECT row, min(num) AS lo, max(num) AS hi FROM free GROUP BY row, run HAVING count(*) >= :k),
pick AS (
    SELECT r.row, a FROM runs r, generate_series(r.lo, r.hi - :k + 1) AS a
     ORDER BY (2 * r.row - (:rows - 1)) * (2 * r.row - (:rows - 1))
            + (2 * a + :k - 2 - :per_row) * (2 * a + :k - 2 - :per_row), r.row, a
     LIMIT 1),
locked AS (
    SELECT s.seat FROM seats s, pick
     WHERE s.session = :session
       AND s.seat BETWEEN pick.row * :per_row + pick.a - 1 AND pick.row * :per_row + pick.a + :k - 2
       AND (s.state = 0 OR (s.state = 1 AND s.expires_at < now()))
     ORDER BY s.seat                      -- every transaction locks seats in hall order: no deadlocks
       FOR UPDATE OF s),
id AS (SELECT nextval('hold_ids') AS v),
held AS (
    UPDATE seats s SET state = 1, hold_id = id.v, expires_at = now() + make_interval(secs => :ttl)
      FROM id
     WHERE s.session = :session AND s.seat IN (SELECT seat FROM locked) AND (SELECT count(*) FROM locked) = :k
 RETURNING s.seat, s.hold_id)
SELECT count(*) AS n, coalesce(max(hold_id), 0) AS hold, coalesce(min(seat), 0) AS first,
       coalesce(max(seat), 0) AS last,
       CASE WHEN count(*) > 0 THEN nextval('holds') ELSE nextval('conflicts') END AS counted,
       CASE WHEN count(*) > 0 THEN 1
            ELSE (SELECT count(*) FROM seats WHERE session = :session AND state <> 2) END AS unsold
  FROM held
\gset
\if :n > 0
\set draw random(1, 100)
\if :draw <= :confirm_pct
\set held 1
\set action 1
\elif :draw <= :confirm_pct + :release_pct
\set held 1
\set action 2
\endif
\elif :unsold = 0
SELECT 'sold out: this client is done'::int;
\endif
\endif
