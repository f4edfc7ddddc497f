#!/bin/sh
# Runs once, when the PostgreSQL container initialises an empty data volume (docker-entrypoint-initdb.d).
# Creates the least-privileged login role the api and worker connect as; `migrate` (as the owner) grants it
# row access to the tables after each migration (Database__AppRole).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v app_role="${APP_DB_USER:-taskmanager_app}" -v app_password="${APP_DB_PASSWORD:-taskmanager_app}" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L', :'app_role', :'app_password')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app_role')
\gexec
SQL
