"""Domain errors raised by services; views map them to messages and HTTP codes in one place."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every rule a service refuses to break. `status` is the HTTP code it maps to."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    status = 404


class PermissionDenied(DomainError):
    # Shown as 404 so nobody learns that someone else's thing exists.
    status = 404


class ValidationError(DomainError):
    status = 400


class InvalidInput(ValidationError):
    """Several fields are wrong at once: `errors` maps field name → message."""

    def __init__(self, errors: dict[str, str]):
        first_field, first_message = next(iter(errors.items()))
        super().__init__(first_message, field=first_field)
        self.errors = errors


class Conflict(DomainError):
    status = 409


class OutOfStock(Conflict):
    pass
