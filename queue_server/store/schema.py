"""The database schema, as numbered migrations applied in order (PRAGMA user_version)."""

from __future__ import annotations

# Each entry brings the schema from version N-1 to N. Never edit a released migration:
# add a new one.
MIGRATIONS: dict[int, str] = {
    1: """
        CREATE TABLE events (
            seq INTEGER PRIMARY KEY,
            type TEXT NOT NULL,
            data TEXT NOT NULL,
            recorded_at TEXT NOT NULL
        );
        CREATE TABLE snapshots (
            seq INTEGER PRIMARY KEY,
            state TEXT NOT NULL,
            taken_at TEXT NOT NULL
        );
        CREATE TABLE users (
            username TEXT PRIMARY KEY,
            role TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            display_name TEXT,
            staff_no TEXT,
            created_at TEXT NOT NULL,
            disabled INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE devices (
            name TEXT PRIMARY KEY,
            role TEXT NOT NULL,
            window TEXT,
            token_hash TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            revoked_at TEXT
        );
        CREATE TABLE sessions (
            token_hash TEXT PRIMARY KEY,
            username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        );
        CREATE TABLE secrets (
            name TEXT PRIMARY KEY,
            value BLOB NOT NULL
        )
    """,
    # How far each 好差评 upstream adapter has been delivered (queue_server.ratings.upstream).
    2: """
        CREATE TABLE upstream_cursor (
            adapter TEXT PRIMARY KEY,
            delivered_seq INTEGER NOT NULL
        )
    """,
    # Login throttling and lock-out, the append-only access log (logins, logouts, device
    # revocations, unlocks), and an index the server polls for devices revoked by the CLI.
    3: """
        CREATE TABLE login_failures (
            subject TEXT PRIMARY KEY,
            failures INTEGER NOT NULL,
            first_at TEXT NOT NULL,
            blocked_until TEXT,
            locked_until TEXT
        );
        CREATE TABLE access_log (
            seq INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            kind TEXT NOT NULL,
            actor TEXT NOT NULL,
            subject TEXT,
            client TEXT
        );
        CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
        BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
        CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
        BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
        CREATE INDEX devices_revoked_at ON devices (revoked_at) WHERE revoked_at IS NOT NULL
    """,
}

SCHEMA_VERSION = max(MIGRATIONS)
