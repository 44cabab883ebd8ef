-- Zones schema 0007: activities indexed for a cheap insert.
--
-- Activity ids are name-based UUIDs, uniformly random in the key space. With the primary key led by the id and a
-- second index on the id alone, every inserted row dirtied two random leaf pages: on a month of activities larger
-- than shared_buffers each of them was a page read, and after every checkpoint a full-page image in the WAL. That
-- made a group commit of 15 rows cost 3-8 ms in PostgreSQL where the same rows in time order cost under 1 ms.
--
-- The primary key now leads with the time, so new rows land beside each other at the right edge of the index.
-- The writer's "stored already?" check (same id, a day either side) goes through the user/time index instead:
-- one user's activities of two days, a few leaf pages that are hot while the user is active. Nothing reads
-- activities by id alone, so the id index goes.
ALTER TABLE activities DROP CONSTRAINT activities_pkey;
ALTER TABLE activities ADD CONSTRAINT activities_pkey PRIMARY KEY ("timestamp", id);
DROP INDEX activities_id;
