#!/bin/sh
# hallq board device: wait until the board URL answers, then run Chromium in kiosk mode on it.
# Started by hallq-board.service inside cage (or from a labwc autostart); see systemd/README.md.
# Settings come from the environment:
#   HALLQ_BOARD_URL   the page to show (required), e.g. http://hall-server:8080/board?floor=1F
#   HALLQ_CHROMIUM    the browser binary (default: chromium, else chromium-browser)
#   HALLQ_BOARD_FLAGS extra Chromium flags, split on spaces (e.g. --force-device-scale-factor=1.5)
set -eu

url=${HALLQ_BOARD_URL:?set HALLQ_BOARD_URL to the board page, e.g. http://hall-server:8080/board}

browser=${HALLQ_CHROMIUM:-}
if [ -z "$browser" ]; then
    for candidate in chromium chromium-browser; do
        if command -v "$candidate" >/dev/null 2>&1; then
            browser=$candidate
            break
        fi
    done
fi
if [ -z "$browser" ]; then
    echo "hallq-board: no chromium found (apt install chromium)" >&2
    exit 1
fi

# A board that opens before the server is up would show Chromium's error page and stay
# there; the board page itself rides out a server restart once it is loaded.
tries=0
until curl --silent --fail --output /dev/null --max-time 5 "$url"; do
    tries=$((tries + 1))
    if [ "$tries" -eq 1 ] || [ $((tries % 30)) -eq 0 ]; then
        echo "hallq-board: waiting for $url" >&2
    fi
    sleep 2
done

# A clean profile at every start, in RAM: no "restore pages" bubble, nothing on the SD card.
profile=${XDG_RUNTIME_DIR:-/tmp}/hallq-board-chromium
rm -rf "$profile"
mkdir -p "$profile"

# Flags: systemd/README.md explains each. The autoplay policy lets the board speak the calls.
# shellcheck disable=SC2086 # HALLQ_BOARD_FLAGS is a list of flags, split on purpose
exec "$browser" \
    --kiosk \
    --noerrdialogs \
    --disable-infobars \
    --disable-session-crashed-bubble \
    --no-first-run \
    --incognito \
    --user-data-dir="$profile" \
    --password-store=basic \
    --disable-features=Translate \
    --check-for-update-interval=31536000 \
    --overscroll-history-navigation=0 \
    --disable-pinch \
    --ozone-platform=wayland \
    --autoplay-policy=no-user-gesture-required \
    ${HALLQ_BOARD_FLAGS:-} \
    "$url"
