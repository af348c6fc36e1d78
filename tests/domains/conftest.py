"""Real mail servers for the tickets' e-mail channel tests: a private Dovecot, an SMTP sink."""

from tests.mailservers import dovecot_server, imap_account, smtp_sink

__all__ = ["dovecot_server", "imap_account", "smtp_sink"]
