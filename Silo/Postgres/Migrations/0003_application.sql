-- Zones schema 0003: the application tables (users, zones, activities, refresh tokens).
-- Times are timestamptz; the code converts them to and from Unix milliseconds at the edge.

------------------------------------------------------------------------------------------------
-- users
------------------------------------------------------------------------------------------------
CREATE TABLE users
(
    id                uuid        NOT NULL PRIMARY KEY,
    email             text        NOT NULL,
    username          text        NOT NULL,
    name              text        NOT NULL,
    bio               text        NULL,
    profile_image_url text        NULL,
    phone             text        NULL,
    gender            text        NULL,
    streak            integer     NOT NULL DEFAULT 0 CHECK (streak >= 0),
    role              text        NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    password_hash     text        NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    deleted_at        timestamptz NULL
);

-- Email and username are unique case-insensitively among live accounts, so a soft-deleted
-- account does not hold its email forever. The index names are what the account store maps
-- to the "email" / "username" field of a CONFLICT answer.
CREATE UNIQUE INDEX users_email_unique ON users (lower(email)) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX users_username_unique ON users (lower(username)) WHERE deleted_at IS NULL;

------------------------------------------------------------------------------------------------
-- zones
------------------------------------------------------------------------------------------------
CREATE TABLE zones
(
    id                  uuid                   NOT NULL PRIMARY KEY,
    user_id             uuid                   NOT NULL REFERENCES users (id),
    title               text                   NOT NULL,
    address             text                   NULL,
    -- The centre of a circle, or the label point of a polygon.
    location            geography(Point, 4326) NOT NULL,
    latitude            double precision       NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude           double precision       NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    -- Metres. A polygon zone ignores it but it must still be a sane number.
    radius              double precision       NOT NULL CHECK (radius BETWEEN 1 AND 50000),
    polygon             geography(Polygon, 4326) NULL,
    -- The rings exactly as the client sent them ([[[lon, lat], ...], ...]), so a polygon
    -- round-trips without re-serialisation noise; "polygon" is derived from it for queries.
    polygon_geojson     jsonb                  NULL,
    icon                text                   NULL,
    color               text                   NULL,
    description         text                   NULL,
    notification_option text                   NOT NULL DEFAULT 'both'
                            CHECK (notification_option IN ('enter', 'exit', 'both')),
    notification_text   text                   NOT NULL DEFAULT 'You have entered the zone',
    dwell_seconds       integer                NULL CHECK (dwell_seconds >= 0),
    image_url           text                   NULL,
    created_at          timestamptz            NOT NULL DEFAULT now(),
    updated_at          timestamptz            NOT NULL DEFAULT now(),
    deleted_at          timestamptz            NULL,
    CONSTRAINT zones_polygon_pair CHECK ((polygon IS NULL) = (polygon_geojson IS NULL))
);

CREATE INDEX zones_location_gist ON zones USING gist (location);
CREATE INDEX zones_polygon_gist ON zones USING gist (polygon) WHERE polygon IS NOT NULL;
-- A user grain loads its live zones on activation.
CREATE INDEX zones_user_live ON zones (user_id) WHERE deleted_at IS NULL;

------------------------------------------------------------------------------------------------
-- activities: the durable log of enter / exit / dwell, partitioned by month
------------------------------------------------------------------------------------------------
-- No foreign keys: this is the hottest insert path (group commit of many grains' rows) and the
-- log outlives zones and accounts for retention; the rows carry the names they need.
-- The primary key must contain the partition key. An activity id is derived from
-- (user, zone, visit, type) and a replay carries the same ping timestamp, so (id, timestamp)
-- identifies a transition and ON CONFLICT DO NOTHING makes a replay a no-op.
CREATE TABLE activities
(
    id                uuid                   NOT NULL,
    user_id           uuid                   NOT NULL,
    zone_id           uuid                   NOT NULL,
    zone_name         text                   NOT NULL,
    type              text                   NOT NULL CHECK (type IN ('enter', 'exit', 'dwell')),
    "timestamp"       timestamptz            NOT NULL,
    location          geography(Point, 4326) NOT NULL,
    latitude          double precision       NOT NULL,
    longitude         double precision       NOT NULL,
    icon              text                   NULL,
    notification_text text                   NULL,
    device_id         text                   NULL,
    created_at        timestamptz            NOT NULL DEFAULT now(),
    PRIMARY KEY (id, "timestamp")
) PARTITION BY RANGE ("timestamp");

-- Catches any timestamp no monthly partition covers (a device clock years off, a maintenance
-- job that has not run), so an insert never fails for want of a partition.
CREATE TABLE activities_default PARTITION OF activities DEFAULT;

-- History reads: a user's log newest first, keyset-paged over (timestamp, id).
CREATE INDEX activities_user_time ON activities (user_id, "timestamp" DESC, id DESC);
CREATE INDEX activities_zone_time ON activities (zone_id, "timestamp" DESC);

-- Creates the monthly partitions (UTC months) from months_back months ago to months_ahead
-- months ahead of the current one; returns how many it created. Safe to call at any time and
-- from several silos at once (a transaction-level advisory lock serialises callers). Rows that
-- already landed in the default partition for a month being created are moved into it, because
-- PostgreSQL refuses to attach a partition whose range the default partition already holds.
CREATE FUNCTION zones_ensure_activity_partitions(months_ahead integer, months_back integer DEFAULT 0)
    RETURNS integer
    LANGUAGE plpgsql
AS $fn$
DECLARE
    first_month date := (date_trunc('month', now() AT TIME ZONE 'UTC') - make_interval(months => months_back))::date;
    month_start date;
    month_end   date;
    part_name   text;
    created     integer := 0;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('zones.activities.partitions'));

    FOR i IN 0 .. months_back + months_ahead LOOP
        month_start := (first_month + make_interval(months => i))::date;
        month_end := (month_start + interval '1 month')::date;
        part_name := format('activities_y%sm%s', to_char(month_start, 'YYYY'), to_char(month_start, 'MM'));

        CONTINUE WHEN to_regclass(part_name) IS NOT NULL;

        EXECUTE format('CREATE TABLE %I (LIKE activities INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part_name);
        EXECUTE format(
            'WITH moved AS (DELETE FROM activities_default WHERE "timestamp" >= %L::timestamptz AND "timestamp" < %L::timestamptz RETURNING *)
             INSERT INTO %I SELECT * FROM moved',
            month_start::text || ' 00:00:00+00', month_end::text || ' 00:00:00+00', part_name);
        EXECUTE format('ALTER TABLE activities ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
            part_name, month_start::text || ' 00:00:00+00', month_end::text || ' 00:00:00+00');
        created := created + 1;
    END LOOP;

    RETURN created;
END
$fn$;

SELECT zones_ensure_activity_partitions(12, 3);

------------------------------------------------------------------------------------------------
-- refresh_tokens (used by the auth work: rotation and reuse detection per family)
------------------------------------------------------------------------------------------------
CREATE TABLE refresh_tokens
(
    id          uuid        NOT NULL PRIMARY KEY,
    user_id     uuid        NOT NULL REFERENCES users (id),
    -- A hash of the opaque token; the token itself is never stored.
    token_hash  text        NOT NULL UNIQUE,
    family_id   uuid        NOT NULL,
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz NULL,
    replaced_by uuid        NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
