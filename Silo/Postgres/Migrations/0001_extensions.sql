-- Zones schema 0001: extensions.
-- PostGIS gives the geography type, GiST operators and geodesic functions used by zones and
-- activities. IF NOT EXISTS lets a database where an administrator pre-installed the extension
-- migrate with a role that may not create extensions itself.
CREATE EXTENSION IF NOT EXISTS postgis;
