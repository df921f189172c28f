"""Hot-plug: a monitor that turns udev add/remove events (or polling) into debounced rescans."""
