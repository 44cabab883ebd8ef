#!/usr/bin/env bash
# Runs once, when the PostGIS container initialises an empty data directory: the roles and database that
# deploy/local/up.sh creates locally. zones owns the schema (the silos migrate it); zones_api may only read
# the Orleans membership tables, granted by the db-grants service once the silos have created them.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER}" --dbname postgres \
  -v pw="${ZONES_DB_PASSWORD}" -v api_pw="${ZONES_API_DB_PASSWORD}" <<'SQL'
CREATE ROLE zones LOGIN PASSWORD :'pw';
CREATE ROLE zones_api LOGIN PASSWORD :'api_pw';
CREATE DATABASE zones OWNER zones;
\connect zones
CREATE EXTENSION IF NOT EXISTS postgis;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT CREATE, USAGE ON SCHEMA public TO zones;
GRANT USAGE ON SCHEMA public TO zones_api;
SQL
