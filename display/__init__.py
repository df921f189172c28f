"""Call boards, window screens and the voice announcer."""
