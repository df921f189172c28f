"""Running a hall: health checks, backups and restores."""
