-- Zones schema 0006: presence beside the activities.
--
-- A user's presence (visit counters, inside flags, high-water mark, last fix) is written in the same
-- transaction as the activities that moved it, by the silo's group-commit writer, so the two can never
-- disagree after a crash: there is no window between "activities stored" and "presence saved". It replaces
-- the Orleans grain storage the grain used before (that state is not carried over: a user's next ping
-- re-derives presence, and the activity ids of a re-derived visit collide with the stored ones, which the
-- writer skips).
CREATE TABLE user_presence
(
    user_id    uuid        NOT NULL PRIMARY KEY,
    state      jsonb       NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
