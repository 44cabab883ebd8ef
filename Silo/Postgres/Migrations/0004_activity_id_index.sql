-- Zones schema 0004: one row per activity id, whatever its timestamp.
--
-- The primary key must contain the partition key, so it is (id, "timestamp"), and ON CONFLICT on it only
-- dedupes a replay of the very same ping. After a crash between the activity commit and the presence save,
-- a phone that does not resend its batch may report the same transition from a later ping: same id (same
-- user, zone, visit number and type), different timestamp. The writer skips an id that exists already, and
-- this index makes that check one probe per partition.
CREATE INDEX activities_id ON activities (id);
