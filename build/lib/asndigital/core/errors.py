"""Errors that services raise for people to read."""


class DomainError(Exception):
    """A rule of the domain refused the request; ``message`` is shown to the user as is."""

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class NotFound(DomainError):
    """Missing and forbidden look the same to the caller, so identifiers cannot be probed."""

    def __init__(self, message: str = "", *, code: str = "not_found") -> None:
        super().__init__(message or "Not found.", code=code)
