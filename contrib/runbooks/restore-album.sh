#!/bin/bash
# Copies one deleted album back from a side database (a backup restored beside the live one)
# into the live Immich database: the album, its asset links, the users it was shared with,
# its shared links and its activity (comments, likes), in ONE transaction: all or nothing.
# The assets themselves must still be in the live database (deleting an album does not
# delete its assets); both databases must be at the same Immich version.
#
# Usage: restore-album.sh SIDE_DB LIVE_DB ALBUM_ID
#   connection as for psql: PGHOST, PGPORT, PGUSER, PGPASSWORD or ~/.pgpass
#   find ALBUM_ID in the side database:
#     psql -d SIDE_DB -c 'SELECT id, "albumName", "createdAt" FROM album ORDER BY "albumName"'
# docs/disaster-recovery.md, scenario 3; tested by tests/integration/test_disaster_recovery.cpp.
set -euo pipefail
if [[ $# -ne 3 ]]; then
  echo "usage: restore-album.sh SIDE_DB LIVE_DB ALBUM_ID" >&2; exit 2
fi
side=$1 live=$2 album=$3
if [[ ! $album =~ ^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$ ]]; then
  echo "restore-album.sh: ALBUM_ID must be the album's UUID (got '$album')" >&2; exit 2
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Parents first: activity refers to album_asset, everything to album.
tables=(album album_asset album_user shared_link activity)
for t in "${tables[@]}"; do
  col='"albumId"'
  [[ $t == album ]] && col=id
  psql -X -q -v ON_ERROR_STOP=1 -d "$side" \
       -c "\\copy (SELECT * FROM public.$t WHERE $col = '$album') TO '$work/$t.copy'"
done
if [[ ! -s $work/album.copy ]]; then
  echo "restore-album.sh: there is no album $album in database $side" >&2; exit 1
fi
args=()
for t in "${tables[@]}"; do
  args+=(-c "\\copy public.$t FROM '$work/$t.copy'")
done
if ! psql -X -q -1 -v ON_ERROR_STOP=1 -d "$live" "${args[@]}"; then
  echo "restore-album.sh: nothing was changed in $live (see psql's error above: an album of that id" \
       "that still exists, or an asset deleted since the backup)" >&2
  exit 1
fi
for t in "${tables[@]}"; do
  echo "restore-album.sh: $t: $(wc -l < "$work/$t.copy") row(s) restored"
done
