"""The aiohttp application: REST API, WebSocket stream, auth and static pages."""
