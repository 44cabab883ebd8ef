-- The streak update runs inside the silo's group commit since session 6 (ActivityWriter), so its row locks are
-- held until the whole batch commits. FOR NO KEY UPDATE is all the UPDATE needs (it changes no key column) and,
-- unlike FOR UPDATE, does not wait for the key-share locks that inserts referencing users (refresh_tokens, zones)
-- take, nor block them: one user's login cannot stall every user's commit. Otherwise unchanged from 0005.
CREATE OR REPLACE FUNCTION zones_record_active_days(user_ids uuid[], active_days date[])
    RETURNS void
    LANGUAGE sql
AS $fn$
    WITH days AS (
        SELECT DISTINCT a.user_id, a.day FROM unnest(user_ids, active_days) AS a(user_id, day)
    ), fresh AS (
        SELECT d.user_id, d.day, u.streak, u.streak_last_day
        FROM days d
        JOIN users u ON u.id = d.user_id
        WHERE u.streak_last_day IS NULL OR d.day > u.streak_last_day
        ORDER BY u.id
        FOR NO KEY UPDATE OF u
    ), islands AS (
        -- Consecutive days share (day - row number): the classic gaps-and-islands key.
        SELECT user_id, day, streak, streak_last_day,
               day - (row_number() OVER (PARTITION BY user_id ORDER BY day))::integer AS island
        FROM fresh
    ), latest AS (
        SELECT user_id, island, min(day) AS first_day, max(day) AS last_day, count(*)::integer AS run,
               max(streak) AS streak, max(streak_last_day) AS previous_day,
               rank() OVER (PARTITION BY user_id ORDER BY island DESC) AS position
        FROM islands
        GROUP BY user_id, island
    )
    UPDATE users u
    SET streak = CASE WHEN l.previous_day = l.first_day - 1 THEN l.streak + l.run ELSE l.run END,
        streak_last_day = l.last_day
    FROM latest l
    WHERE u.id = l.user_id AND l.position = 1;
$fn$;
