"""The voice announcer: announcement scripts, voice packs, the default-pack builder, the queue."""
