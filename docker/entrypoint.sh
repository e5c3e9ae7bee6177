#!/bin/sh
# Container entrypoint: prepare the /data volume, then run the command as the storybot user.
#
# Started as root (tini is PID 1 and passes signals on), it
#  - creates the articles and index folders (an empty bind mount starts with nothing),
#  - copies in each seed article shipped with the image that this volume has never had
#    (a new image brings its new seeds to an old volume; an article the operator deleted
#    stays deleted, since the names already copied are listed in .seeded),
#  - gives the image's prebuilt index to an empty index folder, so the first start answers at once,
#  - hands every file under /data that is not the storybot user's to it (a bind mount
#    made by root on the host), then drops root for the command.
# Started as another user (docker run --user), it only does what that user may.
set -eu

run_as="${STORYBOT_USER:-storybot}"
seeds="${STORYBOT_SEEDS:-/opt/storybot/seeds}"
prebuilt="${STORYBOT_PREBUILT_INDEX:-/opt/storybot/index}"
articles="${STORYBOT_ARTICLES:-/data/articles}"
index="${STORYBOT_INDEX_DIR:-/data/index}"
data="${STORYBOT_DATA:-/data}"

mkdir -p "$articles" "$index"

seeded="$articles/.seeded"
new_seeds=0
if [ -d "$seeds" ]; then
    for seed in "$seeds"/*; do
        [ -f "$seed" ] || continue
        name=$(basename "$seed")
        if ! grep -qxF "$name" "$seeded" 2>/dev/null; then
            if [ ! -e "$articles/$name" ]; then
                cp -p "$seed" "$articles/$name"
                new_seeds=$((new_seeds + 1))
            fi
            echo "$name" >> "$seeded"
        fi
    done
fi
[ "$new_seeds" -eq 0 ] || echo "storybot: added $new_seeds seed article(s) to $articles" >&2

# An index folder with no index yet gets the image's, built from the same seed files
# (copied with their times, so it is current for them).
if [ -d "$prebuilt" ] && [ -z "$(ls -A "$index")" ]; then
    cp -a "$prebuilt/." "$index/"
fi

if [ "$(id -u)" = 0 ] && [ "$run_as" != root ]; then
    group=$(id -g "$run_as")
    for dir in "$data" "$articles" "$index"; do
        [ ! -d "$dir" ] || find "$dir" ! -user "$run_as" -exec chown "$run_as:$group" {} +
    done
    # The user's own home, for the caches of models downloaded from the hub and the chat history.
    HOME=$(getent passwd "$run_as" | cut -d: -f6)
    export HOME
    exec setpriv --reuid="$run_as" --regid="$group" --init-groups -- "$@"
fi
exec "$@"
