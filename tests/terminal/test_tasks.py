"""``terminal.tasks.error_text``: the sentence the window shows for a refusal."""

from __future__ import annotations

from engine.errors import NotFound, ValidationError
from terminal.tasks import error_text


def test_error_text_without_field_is_the_message():
    # mypy found it: a refusal that names no field crashed the window's message (field.lower() on None)
    assert error_text(ValidationError("the journal is read-only")) == "the journal is read-only"
    assert error_text(NotFound("no such signal")) == "no such signal"


def test_error_text_puts_an_unnamed_field_first():
    assert error_text(ValidationError("must be positive", field="lots")) == "lots: must be positive"


def test_error_text_keeps_a_message_that_names_its_field():
    message = "SL 2.00000 must be below the bid 1.10640 for a buy"
    assert error_text(ValidationError(message, field="sl")) == message


def test_error_text_of_other_errors_is_their_text_or_type():
    assert error_text(RuntimeError("boom")) == "boom"
    assert error_text(RuntimeError()) == "RuntimeError"
