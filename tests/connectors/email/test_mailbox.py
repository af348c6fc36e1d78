"""fetch_new and mark_processed against a real IMAP server: a private Dovecot on loopback.

Messages are delivered with IMAP APPEND, as a mail client or delivery agent would.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from contactops.connectors.email import MailboxError, fetch_new, mark_processed, parse_email
from tests.mailservers import DovecotServer, ImapAccount, dovecot_missing_reason, free_port


def message(n: int) -> bytes:
    return (
        f"From: customer{n}@example.com\r\nTo: support@acme.test\r\n"
        f"Subject: Question {n}\r\nMessage-ID: <q{n}@example.com>\r\n\r\nBody {n}\r\n"
    ).encode()


def test_fetch_new_returns_messages_oldest_first_with_their_uids(
    imap_account: ImapAccount,
) -> None:
    uids = [imap_account.append(message(n)) for n in range(3)]
    fetched = fetch_new(imap_account.settings(), after_uid=0, uid_validity=None)
    assert [f.uid for f in fetched] == uids
    assert [f.raw for f in fetched] == [message(n) for n in range(3)]
    assert len({f.uid_validity for f in fetched}) == 1
    assert parse_email(fetched[0].raw).subject == "Question 0"


def test_fetch_new_starts_after_the_last_uid_and_honours_the_limit(
    imap_account: ImapAccount,
) -> None:
    uids = [imap_account.append(message(n)) for n in range(5)]
    settings = imap_account.settings()
    validity = fetch_new(settings, after_uid=0, uid_validity=None, limit=1)[0].uid_validity
    after_two = fetch_new(settings, after_uid=uids[1], uid_validity=validity, limit=2)
    assert [f.uid for f in after_two] == uids[2:4]
    assert fetch_new(settings, after_uid=uids[-1], uid_validity=validity) == []


def test_fetching_does_not_mark_messages_seen(imap_account: ImapAccount) -> None:
    uid = imap_account.append(message(1))
    fetch_new(imap_account.settings(), after_uid=0, uid_validity=None)
    assert imap_account.flags() == {uid: set()}


def test_mark_processed_sets_seen(imap_account: ImapAccount) -> None:
    first, second = imap_account.append(message(1)), imap_account.append(message(2))
    mark_processed(imap_account.settings(), [first])
    assert imap_account.flags() == {first: {r"\Seen"}, second: set()}


def test_mark_processed_moves_to_a_folder_it_creates(imap_account: ImapAccount) -> None:
    uids = [imap_account.append(message(n)) for n in range(3)]
    folder = "Behandlet – blåbær"  # a space, a dash and letters outside ASCII
    settings = imap_account.settings()
    mark_processed(settings, uids[:2], move_to=folder)
    assert set(imap_account.flags()) == {uids[2]}
    assert list(imap_account.flags(folder).values()) == [{r"\Seen"}, {r"\Seen"}]
    mark_processed(settings, uids[:2], move_to=folder)  # again: already gone, no error
    mark_processed(settings, [uids[2]], move_to=folder)  # the folder exists now
    assert imap_account.flags() == {}
    assert len(imap_account.flags(folder)) == 3


@pytest.fixture(scope="module", params=["UIDPLUS", ""], ids=["uidplus", "plain-expunge"])
def server_without_move(request: pytest.FixtureRequest) -> Iterator[DovecotServer]:
    reason = dovecot_missing_reason()
    if reason:
        pytest.skip(reason)
    capabilities = f"IMAP4rev1 LITERAL+ ID ENABLE IDLE {request.param}".strip()
    with DovecotServer.running(f"imap_capability = {capabilities}\n") as server:
        yield server


def test_without_move_messages_are_copied_then_expunged(
    server_without_move: DovecotServer,
) -> None:
    account = server_without_move.add_user()
    with account.connect() as imap:
        assert b"MOVE" not in imap.capability()[1][0]
    uids = [account.append(message(n)) for n in range(3)]
    mark_processed(account.settings(), uids[1:], move_to="Done")
    assert set(account.flags()) == {uids[0]}
    assert list(account.flags("Done").values()) == [{r"\Seen"}, {r"\Seen"}]


def test_a_new_uidvalidity_starts_over_from_uid_zero(imap_account: ImapAccount) -> None:
    imap_account.create_mailbox("Support")
    settings = imap_account.settings(mailbox="Support")
    for n in range(2):
        imap_account.append(message(n), mailbox="Support")
    before = fetch_new(settings, after_uid=0, uid_validity=None)
    validity, last_uid = before[-1].uid_validity, before[-1].uid
    imap_account.delete_mailbox("Support")  # recreated: UIDs start again at 1
    imap_account.create_mailbox("Support")
    imap_account.append(message(9), mailbox="Support")
    after = fetch_new(settings, after_uid=last_uid, uid_validity=validity)
    assert [(f.uid, parse_email(f.raw).subject) for f in after] == [(1, "Question 9")]
    assert after[0].uid_validity != validity


def test_a_password_outside_ascii_signs_in(dovecot_server: DovecotServer) -> None:
    account = dovecot_server.add_user(password="blåbær-密码-пароль")
    account.append(message(1))
    assert len(fetch_new(account.settings(), after_uid=0, uid_validity=None)) == 1


def test_a_wrong_password_is_a_mailbox_error_without_the_password(
    imap_account: ImapAccount,
) -> None:
    settings = imap_account.settings(password="wrong-password-123")
    with pytest.raises(MailboxError) as failed:
        fetch_new(settings, after_uid=0, uid_validity=None)
    text = str(failed.value)
    assert f"login as {imap_account.username!r} refused" in text
    assert "AUTHENTICATIONFAILED" in text
    assert "wrong-password-123" not in text
    assert "wrong-password-123" not in repr(settings)
    assert failed.value.__cause__ is None and failed.value.__suppress_context__


def test_a_missing_mailbox_is_a_mailbox_error(imap_account: ImapAccount) -> None:
    with pytest.raises(MailboxError, match="mailbox 'Nope' cannot be opened"):
        fetch_new(imap_account.settings(mailbox="Nope"), after_uid=0, uid_validity=None)


def test_a_closed_port_is_a_mailbox_error(imap_account: ImapAccount) -> None:
    settings = imap_account.settings(port=free_port(), timeout_s=3.0)
    with pytest.raises(MailboxError, match=f"127.0.0.1:{settings.port}: could not connect"):
        fetch_new(settings, after_uid=0, uid_validity=None)
    with pytest.raises(MailboxError):
        mark_processed(settings, [1], move_to="Done")


def test_starttls_on_a_server_without_it_is_a_mailbox_error(imap_account: ImapAccount) -> None:
    with pytest.raises(MailboxError, match="could not connect"):
        fetch_new(imap_account.settings(security="starttls"), after_uid=0, uid_validity=None)
