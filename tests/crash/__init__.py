"""Crash and load tests against real server processes."""
