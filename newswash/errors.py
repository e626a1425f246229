"""The error the CLI turns into one clear line on stderr."""


class NewswashError(Exception):
    """A user-facing failure: bad input, bad SQL, an unreadable warehouse."""
