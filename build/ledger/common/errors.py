"""The one error type the command line turns into a one-line message (file: reason)."""

from __future__ import annotations


class LedgerError(Exception):
    """A problem with an input, named by the file it is in and the reason, never a traceback."""

    def __init__(self, path: object, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")

    def __reduce__(self):
        # Rebuilt from (path, reason) when it crosses a process boundary (a reader child, background work).
        return (LedgerError, (self.path, self.reason))
