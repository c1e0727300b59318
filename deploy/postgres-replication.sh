#!/bin/sh
# Run once by the postgres image when it creates the primary's cluster: lets the replica of
# docker-compose.yml's `scale` profile stream from it (trust, as the development database
# does; the port is not published).
set -eu
echo "host replication all all trust" >> "$PGDATA/pg_hba.conf"
