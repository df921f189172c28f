"""One interface per device kind, with real adapters and a fake for each."""
