"""The ratings package's base error."""


class RatingsError(Exception):
    """Something in the 好差评 back office failed: a holiday file, or a send upstream."""
