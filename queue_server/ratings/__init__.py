"""The 好差评 back office: holiday calendars, figures, CSV export and the upstream outbox."""
