"""Ticket tags in subjects, reply subjects, and the new part of a reply."""

from __future__ import annotations

import pytest

from contactops.connectors.email import reply_subject, reply_text, ticket_number_in


@pytest.mark.parametrize(
    ("subject", "number"),
    [
        ("Re: [#T-123] Broken phone", 123),
        ("[#T-7]", 7),
        ("AW: [ #t-0042 ] Handy kaputt", 42),
        ("Re: [#T-5] Fwd: [#T-3] two tickets", 5),
        ("Order T-123 is late", None),
        ("[#X-123] another prefix", None),
        ("[#T-] no number", None),
        ("[#T-１２３] full-width digits are not ours", None),
    ],
)
def test_ticket_number_is_found_in_the_subject_tag(subject: str, number: int | None) -> None:
    assert ticket_number_in(subject) == number


def test_ticket_number_prefix_is_configurable() -> None:
    assert ticket_number_in("Re: [#ACME-9] x", prefix="ACME") == 9
    assert ticket_number_in("Re: [#T-9] x", prefix="ACME") is None


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Broken phone", "Re: [#T-123] Broken phone"),
        ("Re: Broken phone", "Re: [#T-123] Broken phone"),
        ("RE: Re: re: Broken phone", "Re: [#T-123] Broken phone"),
        ("Re: [#T-123] Broken phone", "Re: [#T-123] Broken phone"),
        ("Re: [#T-123] Re: [#T-123] Broken phone", "Re: [#T-123] Broken phone"),
        ("[#T-123] Re: Broken phone", "Re: [#T-123] Broken phone"),
        ("AW: Sv: Vs: Handy", "Re: [#T-123] Handy"),
        ("Re[2]: Broken phone", "Re: [#T-123] Broken phone"),
        ("回复：手机坏了", "Re: [#T-123] 手机坏了"),
        ("Отг: Счупен телефон", "Re: [#T-123] Счупен телефон"),
        ("Fwd: Broken phone", "Re: [#T-123] Fwd: Broken phone"),
        ("Reference number", "Re: [#T-123] Reference number"),
        ("", "Re: [#T-123]"),
    ],
)
def test_reply_subject_never_stacks_prefixes_or_tags(subject: str, expected: str) -> None:
    assert reply_subject(subject, 123) == expected


def test_reply_text_cuts_at_on_wrote() -> None:
    text = (
        "Thanks, that fixed it.\n\n"
        "On Mon, 15 Jan 2024 at 09:00, Acme <support@acme.test> wrote:\n"
        "> Try a restart."
    )
    assert reply_text(text) == "Thanks, that fixed it."


def test_reply_text_cuts_at_an_attribution_wrapped_over_two_lines() -> None:
    text = (
        "Yes please.\n\n"
        "On Mon, Jan 15, 2024 at 9:00 AM Acme Support <\n"
        "support@acme.test> wrote:\n"
        "> Shall we call you?"
    )
    assert reply_text(text) == "Yes please."


def test_reply_text_cuts_at_original_message_and_outlook_header_blocks() -> None:
    original = "Fine.\n\n-----Original Message-----\nFrom: Acme\nSent: Monday\n\nold"
    outlook = (
        "Fine by me.\n\n________________________________\nFrom: Acme Support <support@acme.test>\n"
        "Sent: Monday, January 15, 2024 9:00 AM\nTo: Kari\nSubject: RE: [#T-1] x\n\nold text"
    )
    assert reply_text(original) == "Fine."
    assert reply_text(outlook) == "Fine by me."


@pytest.mark.parametrize(
    "attribution",
    [
        "Am 15.01.2024 um 09:00 schrieb Acme Support <support@acme.test>:",
        "Le lun. 15 janv. 2024 à 09:00, Acme <support@acme.test> a écrit :",
        "man. 15. jan. 2024 kl. 09:00 skrev Acme Support <support@acme.test>:",
        "На пн, 15.01.2024 г. в 9:00 Acme Support <support@acme.test> написа:",
        "在 2024年1月15日 09:00，Acme Support <support@acme.test> 写道：",
    ],
)
def test_reply_text_knows_attributions_in_other_languages(attribution: str) -> None:
    assert reply_text(f"Takk!\n\n{attribution}\n> old") == "Takk!"


def test_reply_text_cuts_a_closing_quote_block_but_keeps_inline_answers() -> None:
    assert reply_text("Done.\n\n> Please restart.\n> Then call.\n") == "Done."
    inline = "> Did you restart?\nYes.\n> Which model?\nAcme 3."
    assert reply_text(inline) == inline


def test_reply_text_keeps_everything_when_nothing_would_be_left() -> None:
    bottom_posted = "On Monday Acme wrote:\n> Did you restart?\n\nYes, twice."
    assert reply_text(bottom_posted) == bottom_posted
    assert reply_text("Just a question, no history.\n") == "Just a question, no history."
