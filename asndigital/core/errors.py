"""Errors that services raise for people to read."""


class DomainError(Exception):
    """A rule of the domain refused the request; ``message`` is shown to the user as is.

    ``fields`` names, where the refusal is about inputs, each input and its own message (a
    form shows each next to its field; the API joins them in ``message``)."""

    def __init__(
        self, message: str, *, code: str = "invalid", fields: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.fields = fields or {}


class NotFound(DomainError):
    """Missing and forbidden look the same to the caller, so identifiers cannot be probed."""

    def __init__(self, message: str = "", *, code: str = "not_found") -> None:
        super().__init__(message or "Not found.", code=code)
