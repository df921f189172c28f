"""Benchmarks of the hallq server, each against a baseline measured in the same run."""
