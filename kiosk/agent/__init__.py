"""The ticket kiosk agent: the touchscreen's local API, the printer and scanner, the server."""
