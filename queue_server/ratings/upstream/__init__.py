"""Sending rating records to an outside 好差评 system, through an outbox that loses none."""
