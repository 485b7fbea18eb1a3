-- pgbench script of seat-load's steady scenario: each transaction is one request. A client alternates: HOLD 2
-- random seats of a random session (all or nothing, free or lapsed seats only), then RELEASE them.
-- pgbench -n -M prepared -f steady.sql -D held=0 -D sessions=100 -D capacity=500 -D ttl=900 ...
\if :held
UPDATE seats SET state = 0, hold_id = NULL, expires_at = NULL
 WHERE session = :session AND seat IN (:a, :b) AND hold_id = :hold AND state = 1;
\set held 0
\else
\set session random(0, :sessions - 1)
\set a random(0, :capacity - 1)
\set b random(0, :capacity - 2)
\set b :b + case when :b >= :a then 1 else 0 end
-- One statement, so one transaction: lock the wanted seats that are free (re-checked after any wait), and
-- update them only if all of them were; the row count decides.
WITH free AS (
    SELECT seat FROM seats
     WHERE session = :session AND seat IN (:a, :b) AND (state = 0 OR (state = 1 AND expires_at < now()))
     ORDER BY seat                        -- every transaction locks seats in hall order: no deadlocks
       FOR UPDATE),
id AS (SELECT nextval('hold_ids') AS v),
held AS (
    UPDATE seats s SET state = 1, hold_id = id.v, expires_at = now() + make_interval(secs => :ttl)
      FROM id
     WHERE s.session = :session AND s.seat IN (SELECT seat FROM free) AND (SELECT count(*) FROM free) = 2
 RETURNING s.hold_id)
SELECT count(*) AS n, coalesce(max(hold_id), 0) AS hold,
       CASE WHEN count(*) = 2 THEN nextval('holds') ELSE nextval('conflicts') END AS counted
  FROM held
\gset
\if :n = 2
\set held 1
\endif
\endif
