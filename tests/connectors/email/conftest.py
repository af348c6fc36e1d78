"""Real servers for the e-mail connector tests: a private Dovecot and an aiosmtpd sink."""

from tests.mailservers import dovecot_server, imap_account, smtp_sink

__all__ = ["dovecot_server", "imap_account", "smtp_sink"]
