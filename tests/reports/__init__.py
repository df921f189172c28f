"""Reports: the period report, the hourly load and the clerk assessment sheet."""
