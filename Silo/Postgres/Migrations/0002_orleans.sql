-- Zones schema 0002: the tables and stored queries that Orleans' ADO.NET providers (invariant
-- "Npgsql") use for clustering, grain storage and reminders.
--
-- The providers know nothing about this schema except what is in OrleansQuery: at start each
-- provider reads "SELECT QueryKey, QueryText FROM OrleansQuery" and from then on runs only those
-- texts, binding parameters by name (@DeploymentId, @Version, @GrainIdHash, ...) and reading result
-- columns by name (matched case-insensitively, so unquoted identifiers are fine). Booleans are
-- answered as a single column whose value is 0 (false) or more (true). Versions (ETags) are
-- integers that move forward by one on every successful change; a write that finds another
-- version answers without changing anything and the provider turns that into a conflict.
--
-- Every statement is one SQL statement (no stored functions), so each is atomic on its own under
-- READ COMMITTED; the comments on each say how it stays correct when silos race.

CREATE TABLE OrleansQuery
(
    QueryKey  varchar(64) NOT NULL PRIMARY KEY,
    QueryText text        NOT NULL
);

------------------------------------------------------------------------------------------------
-- Clustering (membership)
------------------------------------------------------------------------------------------------

-- One row per cluster (DeploymentId is the ClusterId). Version is the membership table's ETag:
-- every insert or update of a member must present the version it read and bumps it.
CREATE TABLE OrleansMembershipVersionTable
(
    DeploymentId text        NOT NULL PRIMARY KEY,
    Timestamp    timestamptz NOT NULL DEFAULT now(),
    Version      integer     NOT NULL DEFAULT 0
);

-- One row per silo incarnation (address, port, generation).
CREATE TABLE OrleansMembershipTable
(
    DeploymentId text        NOT NULL REFERENCES OrleansMembershipVersionTable (DeploymentId) ON DELETE CASCADE,
    Address      text        NOT NULL,
    Port         integer     NOT NULL,
    Generation   integer     NOT NULL,
    SiloName     text        NOT NULL,
    HostName     text        NOT NULL,
    Status       integer     NOT NULL,
    ProxyPort    integer     NULL,
    SuspectTimes text        NULL,
    StartTime    timestamptz NOT NULL,
    IAmAliveTime timestamptz NOT NULL,
    PRIMARY KEY (DeploymentId, Address, Port, Generation)
);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES

-- Creates the cluster's version row once; true only for the caller that created it.
('InsertMembershipVersionKey', $q$
WITH created AS (
    INSERT INTO OrleansMembershipVersionTable (DeploymentId)
    VALUES (@DeploymentId)
    ON CONFLICT (DeploymentId) DO NOTHING
    RETURNING 1
)
SELECT count(*) AS Inserted FROM created;
$q$),

-- Adds a silo row if the caller's table version is still current. The version row is locked
-- first (FOR UPDATE re-checks Version after waiting on a concurrent bump), the member is inserted
-- only under that lock, and the version moves only if the member went in: all or nothing.
('InsertMembershipKey', $q$
WITH current_version AS (
    SELECT v.DeploymentId
    FROM OrleansMembershipVersionTable v
    WHERE v.DeploymentId = @DeploymentId AND v.Version = @Version
    FOR UPDATE
), added AS (
    INSERT INTO OrleansMembershipTable
        (DeploymentId, Address, Port, Generation, SiloName, HostName, Status, ProxyPort, StartTime, IAmAliveTime)
    SELECT cv.DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, @StartTime, @IAmAliveTime
    FROM current_version cv
    ON CONFLICT (DeploymentId, Address, Port, Generation) DO NOTHING
    RETURNING DeploymentId
), bumped AS (
    UPDATE OrleansMembershipVersionTable v
    SET Version = v.Version + 1, Timestamp = now()
    FROM added a
    WHERE v.DeploymentId = a.DeploymentId
    RETURNING 1
)
SELECT count(*) AS Inserted FROM bumped;
$q$),

-- Changes a silo row if the caller's table version is still current. Both the member row and the
-- version row are locked and checked before either is written, so a stale caller changes nothing.
('UpdateMembershipKey', $q$
WITH target AS (
    SELECT m.DeploymentId
    FROM OrleansMembershipTable m
    JOIN OrleansMembershipVersionTable v ON v.DeploymentId = m.DeploymentId
    WHERE m.DeploymentId = @DeploymentId
      AND m.Address = @Address AND m.Port = @Port AND m.Generation = @Generation
      AND v.Version = @Version
    FOR UPDATE
), bumped AS (
    UPDATE OrleansMembershipVersionTable v
    SET Version = v.Version + 1, Timestamp = now()
    FROM target t
    WHERE v.DeploymentId = t.DeploymentId
    RETURNING v.DeploymentId
), changed AS (
    UPDATE OrleansMembershipTable m
    SET Status = @Status, SuspectTimes = @SuspectTimes, IAmAliveTime = @IAmAliveTime
    FROM bumped b
    WHERE m.DeploymentId = b.DeploymentId
      AND m.Address = @Address AND m.Port = @Port AND m.Generation = @Generation
    RETURNING 1
)
SELECT count(*) AS Updated FROM changed;
$q$),

-- The heartbeat. Deliberately not versioned: liveness must not contend with membership changes.
('UpdateIAmAlivetimeKey', $q$
UPDATE OrleansMembershipTable
SET IAmAliveTime = @IAmAliveTime
WHERE DeploymentId = @DeploymentId
  AND Address = @Address AND Port = @Port AND Generation = @Generation;
$q$),

-- One silo's row plus the table version. The outer join keeps the version row in the answer even
-- when the silo has no row, which is how the provider reads "absent, at version N".
('MembershipReadRowKey', $q$
SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status,
       m.ProxyPort, m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
FROM OrleansMembershipVersionTable v
LEFT JOIN OrleansMembershipTable m
       ON m.DeploymentId = v.DeploymentId
      AND m.Address = @Address AND m.Port = @Port AND m.Generation = @Generation
WHERE v.DeploymentId = @DeploymentId;
$q$),

-- Every silo row plus the table version (same shape as above).
('MembershipReadAllKey', $q$
SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status,
       m.ProxyPort, m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
FROM OrleansMembershipVersionTable v
LEFT JOIN OrleansMembershipTable m ON m.DeploymentId = v.DeploymentId
WHERE v.DeploymentId = @DeploymentId;
$q$),

-- The gateways clients may connect to: active silos that opened a gateway port.
('GatewaysQueryKey', $q$
SELECT Address, ProxyPort, Generation
FROM OrleansMembershipTable
WHERE DeploymentId = @DeploymentId AND Status = @Status AND ProxyPort > 0;
$q$),

-- Removes a whole cluster; its member rows go with the version row (ON DELETE CASCADE).
('DeleteMembershipTableEntriesKey', $q$
DELETE FROM OrleansMembershipVersionTable WHERE DeploymentId = @DeploymentId;
$q$),

-- Forgets silos that stopped heart-beating before the cutoff and are not Active (status 3).
('CleanupDefunctSiloEntriesKey', $q$
DELETE FROM OrleansMembershipTable
WHERE DeploymentId = @DeploymentId AND IAmAliveTime < @IAmAliveTime AND Status <> 3;
$q$);

------------------------------------------------------------------------------------------------
-- Grain storage
------------------------------------------------------------------------------------------------

-- One row per (service, grain type, grain id). The provider passes the hashes so lookups use a
-- narrow integer prefix; the full identity columns settle hash collisions.
CREATE TABLE OrleansStorage
(
    ServiceId              text        NOT NULL,
    GrainTypeHash          integer     NOT NULL,
    GrainTypeString        text        NOT NULL,
    GrainIdHash            integer     NOT NULL,
    GrainIdN0              bigint      NOT NULL,
    GrainIdN1              bigint      NOT NULL,
    GrainIdExtensionString text        NULL,
    PayloadBinary          bytea       NULL,
    ModifiedOn             timestamptz NOT NULL DEFAULT now(),
    Version                integer     NOT NULL
);

-- The identity is unique, so two activations of one grain that both try to create its first
-- state (a split brain, a race after a crash) cannot both insert: one gets a conflict.
-- NULLS NOT DISTINCT (PostgreSQL 15+) treats "no key extension" as one value.
CREATE UNIQUE INDEX OrleansStorage_Identity
    ON OrleansStorage (GrainIdHash, GrainTypeHash, GrainIdN0, GrainIdN1, ServiceId, GrainTypeString, GrainIdExtensionString)
    NULLS NOT DISTINCT;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES

-- Reads the state and its version; no row means "never written".
('ReadFromStorageKey', $q$
SELECT PayloadBinary, Version
FROM OrleansStorage
WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
  AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString;
$q$),

-- Writes the state with an optimistic version check and answers the new version.
-- With a version: update only the row still at that version (a stale writer matches nothing).
-- Without one (first write): insert version 1; the unique identity index turns a racing second
-- insert into a no-op. Either way no row in the answer means "someone else got there first".
('WriteToStorageKey', $q$
WITH updated AS (
    UPDATE OrleansStorage
    SET PayloadBinary = @PayloadBinary, ModifiedOn = now(), Version = Version + 1
    WHERE @GrainStateVersion IS NOT NULL
      AND GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
      AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
      AND ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
      AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
      AND Version = @GrainStateVersion
    RETURNING Version
), inserted AS (
    INSERT INTO OrleansStorage
        (ServiceId, GrainTypeHash, GrainTypeString, GrainIdHash, GrainIdN0, GrainIdN1,
         GrainIdExtensionString, PayloadBinary, ModifiedOn, Version)
    SELECT @ServiceId, @GrainTypeHash, @GrainTypeString, @GrainIdHash, @GrainIdN0, @GrainIdN1,
           @GrainIdExtensionString, @PayloadBinary, now(), 1
    WHERE @GrainStateVersion IS NULL
    ON CONFLICT DO NOTHING
    RETURNING Version
)
SELECT Version AS NewGrainStateVersion FROM updated
UNION ALL
SELECT Version FROM inserted;
$q$),

-- Clears the state but keeps the row (and bumps the version) so the ETag keeps moving forward.
('ClearStorageKey', $q$
UPDATE OrleansStorage
SET PayloadBinary = NULL, ModifiedOn = now(), Version = Version + 1
WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
  AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
  AND Version = @GrainStateVersion
RETURNING Version AS NewGrainStateVersion;
$q$),

-- Deletes the row (DeleteStateOnClear). The provider expects "old version + 1" back on success.
('DeleteStorageKey', $q$
DELETE FROM OrleansStorage
WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
  AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
  AND Version = @GrainStateVersion
RETURNING Version + 1 AS NewGrainStateVersion;
$q$);

------------------------------------------------------------------------------------------------
-- Reminders
------------------------------------------------------------------------------------------------

-- Period is in milliseconds. GrainHash is the grain's uniform hash as a signed integer; silos
-- read the reminders of their hash-ring range with it.
CREATE TABLE OrleansRemindersTable
(
    ServiceId    text        NOT NULL,
    GrainId      text        NOT NULL,
    ReminderName text        NOT NULL,
    StartTime    timestamptz NOT NULL,
    Period       bigint      NOT NULL,
    GrainHash    integer     NOT NULL,
    Version      integer     NOT NULL,
    PRIMARY KEY (ServiceId, GrainId, ReminderName)
);

CREATE INDEX OrleansRemindersTable_Range ON OrleansRemindersTable (ServiceId, GrainHash);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES

('ReadReminderRowsKey', $q$
SELECT GrainId, ReminderName, StartTime, Period, Version
FROM OrleansRemindersTable
WHERE ServiceId = @ServiceId AND GrainId = @GrainId;
$q$),

('ReadReminderRowKey', $q$
SELECT GrainId, ReminderName, StartTime, Period, Version
FROM OrleansRemindersTable
WHERE ServiceId = @ServiceId AND GrainId = @GrainId AND ReminderName = @ReminderName;
$q$),

-- A ring range that does not wrap: (BeginHash, EndHash].
('ReadRangeRows1Key', $q$
SELECT GrainId, ReminderName, StartTime, Period, Version
FROM OrleansRemindersTable
WHERE ServiceId = @ServiceId AND GrainHash > @BeginHash AND GrainHash <= @EndHash;
$q$),

-- A ring range that wraps past the end: (BeginHash, max] plus [min, EndHash].
('ReadRangeRows2Key', $q$
SELECT GrainId, ReminderName, StartTime, Period, Version
FROM OrleansRemindersTable
WHERE ServiceId = @ServiceId AND (GrainHash > @BeginHash OR GrainHash <= @EndHash);
$q$),

-- Creates or replaces a reminder in one statement (a racing insert becomes an update) and answers
-- its new version as the ETag.
('UpsertReminderRowKey', $q$
INSERT INTO OrleansRemindersTable (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
ON CONFLICT (ServiceId, GrainId, ReminderName) DO UPDATE
SET StartTime = excluded.StartTime,
    Period    = excluded.Period,
    GrainHash = excluded.GrainHash,
    Version   = OrleansRemindersTable.Version + 1
RETURNING Version;
$q$),

-- Removes a reminder only at the version the caller holds; true when it did.
('DeleteReminderRowKey', $q$
WITH removed AS (
    DELETE FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId AND GrainId = @GrainId AND ReminderName = @ReminderName
      AND Version = @Version
    RETURNING 1
)
SELECT count(*) AS Deleted FROM removed;
$q$),

('DeleteReminderRowsKey', $q$
DELETE FROM OrleansRemindersTable WHERE ServiceId = @ServiceId;
$q$);
