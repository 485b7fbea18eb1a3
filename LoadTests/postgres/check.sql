-- The rush's end-of-run check on PostgreSQL: sold seats must be exactly the seats of confirmed holds.
SELECT (SELECT count(*) FROM (SELECT session, seat FROM bookings GROUP BY session, seat HAVING count(*) > 1) AS twice)
           AS oversold,
       (SELECT count(*) FROM bookings b
         WHERE NOT EXISTS (SELECT 1 FROM seats s WHERE s.session = b.session AND s.seat = b.seat AND s.state = 2
                                                   AND s.hold_id = b.hold_id)) AS lost,
       (SELECT count(*) FROM seats s
         WHERE s.state = 2 AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.session = s.session AND b.seat = s.seat))
           AS unexplained,
       (SELECT count(*) FROM seats WHERE state = 2) AS sold,
       (SELECT count(DISTINCT hold_id) FROM bookings) AS confirmed,
       (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM holds) AS holds,
       (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM conflicts) AS conflicts,
       (SELECT coalesce(extract(epoch FROM max(confirmed_at)), 0) FROM bookings) AS last_confirmed;
