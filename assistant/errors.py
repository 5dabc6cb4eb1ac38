"""Errors meant for people: the CLI prints them as one line, without a stack trace."""


class UserError(Exception):
    """An expected failure with a message that names the thing and the fix."""


class IngestError(UserError):
    """One input file could not be read; ingest skips it and carries on."""

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
