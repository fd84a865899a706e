"""Order comments that name the paper trade."""

from __future__ import annotations

import pytest

from bridges.tagging import paper_comment, paper_id_from_comment


@pytest.mark.parametrize(
    ("comment", "expected"),
    [
        ("pt:42", 42),
        ("pt:42 [sl 1.08500]", 42),
        ("[tp] pt:7", 7),
        ("manual", None),
        ("", None),
        (None, None),
        ("from #123", None),
    ],
)
def test_paper_id_from_comment_survives_broker_decorations(comment, expected):
    assert paper_id_from_comment(comment) == expected


def test_paper_comment_round_trips_and_fits_metatrader():
    comment = paper_comment(9_999_999_999)
    assert paper_id_from_comment(comment) == 9_999_999_999 and len(comment) <= 31
    with pytest.raises(ValueError):
        paper_comment(-1)
