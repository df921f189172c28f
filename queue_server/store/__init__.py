"""The journal: an append-only event log with snapshots, in SQLite or in memory."""
