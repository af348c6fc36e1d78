"""Send a composed message through an SMTP server (RFC 5321), with an error that says whether
trying again later can help.

``SendError.permanent`` is True only when the server refused *this message* with a 5xx reply
(sender, every recipient, or the content): sending it again will fail again. Everything else —
a 4xx reply, a refused login, a missing STARTTLS, a timeout, a closed port — is temporary:
the message is fine, the server or the settings are not (yet), so it should be retried.
"""

from __future__ import annotations

import base64
import contextlib
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Literal

__all__ = ["SendError", "SmtpSecurity", "SmtpSettings", "send_email"]

SmtpSecurity = Literal["starttls", "ssl", "none"]


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """Where and how to send. ``security``: ``starttls`` (port 587), ``ssl`` (implicit TLS,
    port 465) or ``none`` (a relay on a trusted network only: the password travels in clear)."""

    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    security: SmtpSecurity = "starttls"
    timeout_s: float = 30.0
    local_hostname: str | None = None  # the EHLO name; None: this machine's FQDN

    def __post_init__(self) -> None:
        if self.security not in ("starttls", "ssl", "none"):
            raise ValueError(f"security must be starttls, ssl or none, not {self.security!r}")
        if not 0 < self.port < 65536:
            raise ValueError(f"port {self.port} is not a TCP port")
        if self.timeout_s <= 0:
            raise ValueError("timeout_s must be positive")


class SendError(Exception):
    """The message was not sent. ``permanent``: retrying cannot help; ``code``: the SMTP reply
    code when the server gave one. The text never contains the password."""

    def __init__(self, message: str, *, permanent: bool, code: int | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.code = code


def send_email(settings: SmtpSettings, message: EmailMessage) -> dict[str, tuple[int, str]]:
    """Send ``message`` to its To, Cc and Bcc recipients (Bcc is not transmitted).

    Returns the recipients the server refused while accepting the others (empty when all were
    accepted): the message *was* sent, so it must not be sent again. Raises :class:`SendError`
    when no one received it."""
    if not message.get("From") or not any(message.get(h) for h in ("To", "Cc", "Bcc")):
        raise SendError("the message has no From or no recipient", permanent=True)
    where = f"SMTP server {settings.host}:{settings.port}"
    secret = settings.password or ""
    smtp: smtplib.SMTP | None = None
    try:
        smtp = _connect(settings, where)
        _login(smtp, settings, where)
        refused = smtp.send_message(message)
    except SendError:
        raise
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()] or [0]
        detail = "; ".join(f"{a}: {c} {_text(r)}" for a, (c, r) in error.recipients.items())
        raise SendError(
            _scrub(f"{where} refused every recipient ({detail})", secret),
            permanent=all(500 <= code < 600 for code in codes),
            code=codes[0],
        ) from None
    except ValueError as error:  # the library cannot write the message (two To headers...)
        raise SendError(f"the message cannot be sent as written: {error}", permanent=True) from None
    except smtplib.SMTPNotSupportedError as error:  # SMTPUTF8 needed, not offered
        raise SendError(_scrub(f"{where}: {error}", secret), permanent=True) from None
    except smtplib.SMTPResponseException as error:
        raise _refusal(where, settings, error) from None
    except (smtplib.SMTPException, OSError) as error:  # disconnects, refused ports, TLS, DNS
        raise SendError(
            _scrub(f"could not send through {where}: {error or type(error).__name__}", secret),
            permanent=False,
        ) from None
    finally:
        if smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.quit()
            smtp.close()
    return {address: (code, _text(reply)) for address, (code, reply) in refused.items()}


def _refusal(where: str, settings: SmtpSettings, error: smtplib.SMTPResponseException) -> SendError:
    """A reply-code error: permanent only for a 5xx refusal of the sender or the content."""
    code, reply = error.smtp_code, _text(error.smtp_error)
    if isinstance(error, smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
        what, permanent = "refused the message", 500 <= code < 600
    elif isinstance(error, smtplib.SMTPAuthenticationError):
        what, permanent = f"refused the login of {settings.username!r}", False
    else:  # the greeting, HELO or STARTTLS
        what, permanent = "refused the connection", False
    message = _scrub(f"{where} {what}: {code} {reply}", settings.password or "")
    return SendError(message, permanent=permanent, code=code)


def _connect(settings: SmtpSettings, where: str) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if settings.security == "ssl":
        return smtplib.SMTP_SSL(
            settings.host,
            settings.port,
            local_hostname=settings.local_hostname,
            timeout=settings.timeout_s,
            context=context,
        )
    smtp = smtplib.SMTP(
        settings.host,
        settings.port,
        local_hostname=settings.local_hostname,
        timeout=settings.timeout_s,
    )
    if settings.security == "starttls":
        try:
            smtp.ehlo()
            if not smtp.has_extn("starttls"):
                raise SendError(
                    f"{where} does not offer STARTTLS; the security setting must match the server",
                    permanent=False,
                )
            smtp.starttls(context=context)
            smtp.ehlo()
        except BaseException:
            smtp.close()
            raise
    return smtp


def _login(smtp: smtplib.SMTP, settings: SmtpSettings, where: str) -> None:
    if not settings.username:
        return
    password = settings.password or ""
    smtp.ehlo_or_helo_if_needed()
    if not smtp.has_extn("auth"):
        raise SendError(f"{where} does not offer a login (AUTH)", permanent=False)
    if settings.username.isascii() and password.isascii():
        smtp.login(settings.username, password)
        return
    # smtplib encodes credentials as ASCII; RFC 4616 PLAIN carries UTF-8.
    token = b"\0" + settings.username.encode() + b"\0" + password.encode()
    code, reply = smtp.docmd("AUTH", "PLAIN " + base64.b64encode(token).decode("ascii"))
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _scrub(text: str, secret: str) -> str:
    return text.replace(secret, "********") if secret else text
