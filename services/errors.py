"""Typed errors of the whole application.

Every error carries a Swedish, user-facing ``message`` (shown as is in the UI) and a
machine-readable ``code``. Subclasses set defaults; callers may pass a more specific
message.
"""

from __future__ import annotations


class WebcertError(Exception):
    """Base class of every error the UI knows how to show."""

    code: str = "WEBCERT_ERROR"
    default_message: str = "Ett tekniskt fel uppstod. Försök igen om en stund."

    def __init__(self, message: str | None = None, *, code: str | None = None) -> None:
        self.message: str = message or self.default_message
        if code is not None:
            self.code = code
        super().__init__(self.message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class ServiceUnavailable(WebcertError):
    """An outside service (HSA, PU-tjänsten, FK, TS, journalsystem) did not answer."""

    code = "SERVICE_UNAVAILABLE"
    default_message = "En extern tjänst svarar inte just nu. Försök igen om en stund."


class PuUnavailable(ServiceUnavailable):
    """PU-tjänsten is down: certificate handling and question threads are locked (manual 4.10.2)."""

    code = "PU_UNAVAILABLE"
    default_message = (
        "Personuppgiftstjänsten (PU-tjänsten) svarar inte just nu. Funktioner för intyg och "
        "ärendekommunikation är låsta tills tjänsten svarar igen, för att skyddade "
        "personuppgifter inte ska röjas av misstag."
    )


class HsaUnavailable(ServiceUnavailable):
    """The HSA catalogue did not answer."""

    code = "HSA_UNAVAILABLE"
    default_message = (
        "HSA-katalogen svarar inte just nu. Dina behörigheter kan inte kontrolleras. "
        "Försök igen om en stund."
    )


class DatabaseUnavailable(ServiceUnavailable):
    """The database refused or lost the connection; what is typed is kept and saved later."""

    code = "DATABASE_UNAVAILABLE"
    default_message = (
        "Utkastet kunde inte sparas just nu eftersom databasen inte svarar. Det du skriver "
        "finns kvar och sparas automatiskt så snart det går. Stäng inte fönstret."
    )


class NotFound(WebcertError):
    """The requested object does not exist (or must not be revealed)."""

    code = "NOT_FOUND"
    default_message = "Det du söker finns inte."


class NotAuthorized(WebcertError):
    """The user's role or care unit does not allow the operation."""

    code = "NOT_AUTHORIZED"
    default_message = "Du saknar behörighet för detta."


class InvalidInput(WebcertError):
    """Input failed validation; ``field`` names the offending field path when known."""

    code = "INVALID_INPUT"
    default_message = "Uppgifterna är inte korrekt ifyllda."

    def __init__(
        self, message: str | None = None, *, field: str | None = None, code: str | None = None
    ) -> None:
        self.field: str | None = field
        super().__init__(message, code=code)


class Conflict(WebcertError):
    """A stale save: somebody else changed the object since it was read."""

    code = "CONFLICT"
    default_message = (
        "Utkastet har ändrats av någon annan sedan du öppnade det. Ladda om sidan för att se "
        "den senaste versionen."
    )


def messages_by_code() -> dict[str, str]:
    """Every error code the application knows, with its default Swedish message (for pages
    that only receive the code, e.g. the error page after a failed deep link)."""
    found: dict[str, str] = {}
    pending: list[type[WebcertError]] = [WebcertError]
    while pending:
        cls = pending.pop()
        found.setdefault(cls.code, cls.default_message)
        pending.extend(cls.__subclasses__())
    return found
