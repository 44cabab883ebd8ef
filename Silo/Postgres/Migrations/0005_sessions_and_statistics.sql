-- Zones schema 0005: sessions (refresh-token rotation, access-token revocation), the maintained
-- streak, and the indexes behind /zones/nearby and /stats.

------------------------------------------------------------------------------------------------
-- refresh tokens: why a token stopped working, and a way to purge expired rows
------------------------------------------------------------------------------------------------
-- 'rotated' (redeemed, replaced_by names the successor), 'reuse' (its family was revoked because a
-- rotated token came back), 'logout', 'logout_all', 'account_deleted'.
ALTER TABLE refresh_tokens ADD COLUMN revoked_reason text NULL;
CREATE INDEX refresh_tokens_expires ON refresh_tokens (expires_at);

------------------------------------------------------------------------------------------------
-- access-token revocation: "every access token of this user issued before this instant is void"
------------------------------------------------------------------------------------------------
-- Written when an account is deleted or its user logs out everywhere. Api nodes hold the recent
-- rows in memory (loaded at start and re-read periodically, pushed over Redis in between), so no
-- request pays a lookup. Rows older than the access-token lifetime no longer matter.
CREATE TABLE access_revocations
(
    user_id        uuid        NOT NULL PRIMARY KEY REFERENCES users (id),
    revoked_before timestamptz NOT NULL
);

CREATE INDEX access_revocations_recent ON access_revocations (revoked_before);

------------------------------------------------------------------------------------------------
-- the streak: consecutive UTC days with at least one activity, maintained as activities arrive
------------------------------------------------------------------------------------------------
-- users.streak is the length of the run of active days that ends on streak_last_day. A reader shows
-- it only while the run is alive (streak_last_day is today or yesterday, UTC), else 0.
ALTER TABLE users ADD COLUMN streak_last_day date NULL;

-- Records that users were active on some UTC days: days newer than a user's streak_last_day extend
-- the run (when they follow it without a gap) or restart it; days at or before it change nothing, so a
-- repeated call is harmless. Called after activities commit, at most once per user and day per silo
-- (Silo/Postgres/StreakRecorder.cs), not from a trigger: a trigger would add a users lookup per row to
-- every group commit. Rows are locked in id order so that two silos' calls cannot deadlock.
CREATE FUNCTION zones_record_active_days(user_ids uuid[], active_days date[])
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
        FOR UPDATE OF u
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

-- Streaks of activity that is already stored, so the counter starts right rather than at zero.
WITH days AS (
    SELECT DISTINCT user_id, ("timestamp" AT TIME ZONE 'UTC')::date AS day FROM activities
), islands AS (
    SELECT user_id, day, day - (row_number() OVER (PARTITION BY user_id ORDER BY day))::integer AS island FROM days
), latest AS (
    SELECT user_id, max(day) AS last_day, count(*)::integer AS run,
           rank() OVER (PARTITION BY user_id ORDER BY island DESC) AS position
    FROM islands
    GROUP BY user_id, island
)
UPDATE users u SET streak = l.run, streak_last_day = l.last_day
FROM latest l
WHERE u.id = l.user_id AND l.position = 1;

------------------------------------------------------------------------------------------------
-- statistics and nearby
------------------------------------------------------------------------------------------------
-- A user's history by time now also carries the type and zone, so /stats/me's per-day and per-zone
-- aggregates over a year are index-only scans instead of one heap visit per activity. It replaces
-- activities_user_time (same keys, same order), so inserts still maintain the same number of indexes.
CREATE INDEX activities_user_time_covering ON activities (user_id, "timestamp" DESC, id DESC) INCLUDE (type, zone_id);
DROP INDEX activities_user_time;
ALTER INDEX activities_user_time_covering RENAME TO activities_user_time;

-- The overview's "last 24 hours" and "per day" over every user: rows arrive in time order, so a BRIN
-- index (a few pages per partition, nearly free to maintain) narrows the scan to the recent blocks.
CREATE INDEX activities_time_brin ON activities USING brin ("timestamp");

-- Zones created per day (overview). Nearby needs nothing new: the caller's live zones come from
-- zones_user_live (at most a few thousand rows) and zones_location_gist (0003) serves ST_DWithin.
CREATE INDEX zones_created ON zones (created_at);
