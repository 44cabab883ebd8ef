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

-- One statement per insert statement (not per row): the days the inserted rows fall on, newer than
-- the user's last active day, extend or restart the run. Days at or before streak_last_day change
-- nothing, so after a user's first activity of a day this is one index probe per user of the batch
-- and no write. The rows are locked in id order so that two silos' batches cannot deadlock.
CREATE FUNCTION zones_maintain_streaks()
    RETURNS trigger
    LANGUAGE plpgsql
AS $fn$
BEGIN
    WITH days AS (
        SELECT DISTINCT n.user_id, (n."timestamp" AT TIME ZONE 'UTC')::date AS day
        FROM inserted n
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
    RETURN NULL;
END
$fn$;

CREATE TRIGGER activities_maintain_streaks
    AFTER INSERT ON activities
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT
EXECUTE FUNCTION zones_maintain_streaks();

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

-- Zones created per day (overview) and the caller's live zones around a point (nearby): the
-- per-user search starts from zones_user_live; a GiST index on live points serves large accounts.
CREATE INDEX zones_created ON zones (created_at);
CREATE INDEX zones_live_location_gist ON zones USING gist (location) WHERE deleted_at IS NULL;
