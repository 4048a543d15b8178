"""Errors: the one domain exception the command line turns into exit code 1 and one line."""


class KgError(Exception):
    """A problem the user can act on; its message is one line naming the file and the problem."""


class StoreInUseError(KgError):
    """Another process holds the store open for writing."""
