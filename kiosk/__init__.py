"""On-site agents for citizen-facing devices: the ticket kiosk and the window station."""
