"""The error dalearn-collect reports for bad input (a sweep folder it cannot read)."""


class CollectError(Exception):
    """A sweep folder cannot be turned into tables; the message names the file and the fix."""
