"""JSON bodies decode to exactly what ``response.json()`` gives, fast path or not."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st
from requests_cache.serializers import init_serializer

from mastcache.net.jsonbody import decoded_json, loads_body, may_hold_big_integers


def response(body: bytes, content_type: str = "application/json") -> requests.Response:
    answer = requests.Response()
    answer.status_code = 200
    answer._content = body
    answer.headers["Content-Type"] = content_type
    answer.encoding = None
    return answer


@pytest.mark.parametrize(
    "body",
    [
        b'{"data": [{"s_ra": 210.80242917, "n": -0, "x": 1e-320, "t": "M\\u00e9 \\ud83d\\ude00"}]}',
        b'{"big": 123456789012345678901234567890, "ok": true}',  # beyond 64 bits
        b"[12345678901234567890123]",  # beyond 64 bits, at the top level
        b'{"obs_id": "6918350762968841914", "n": -99999999999999999999}',
        b'{"s": "run 12345678901234567890", "f": 0.12345678901234567890123}',
        b'{"v": NaN, "w": -Infinity}',  # Python extensions
        b'{"lone": "\\ud800"}',  # a lone surrogate
        b'\xef\xbb\xbf{"bom": 1}',  # a UTF-8 byte order mark
        b'{"dup": 1, "dup": 2, "f": 0.1, "g": 2.5e+300, "h": [1.0, 1]}',
    ],
)
def test_bodies_decode_as_response_json_does(body: bytes) -> None:
    expected = response(body).json()
    got = loads_body(response(body))
    assert repr(got) == repr(expected)
    assert all(type(a) is type(b) for a, b in zip(_leaves(got), _leaves(expected), strict=True))


@pytest.mark.parametrize(
    ("body", "suspect"),
    [
        (b'{"obs_id": "6918350762968841914", "n": 12}', False),  # GALEX ids are strings
        (b'["1234567890123456789012345"]', False),
        (b'{"n": 1234567890123456789}', True),
        (b"12345678901234567890", True),
        (b'{"n": [-12345678901234567890]}', True),
        (b'{"s": "x 12345678901234567890"}', True),  # inside a string, but not safe to tell
    ],
)
def test_only_bare_digit_runs_send_a_body_to_the_standard_library(
    body: bytes, suspect: bool
) -> None:
    assert may_hold_big_integers(body) is suspect


def _leaves(value: object) -> list[object]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]


def test_invalid_json_raises_every_time_and_a_body_is_decoded_once() -> None:
    bad = response(b"<html>maintenance</html>", "text/html")
    for _ in range(2):
        with pytest.raises(ValueError):
            decoded_json(bad)
    good = response(b'{"a": [1, 2]}')
    assert decoded_json(good) is decoded_json(good)
    nan = loads_body(response(b"[NaN]"))[0]
    assert math.isnan(nan)


def test_http_cache_entries_written_by_either_json_serializer_are_read(tmp_path: Path) -> None:
    """Switching to orjson on disk keeps every page an older mastcache cached."""
    from mastcache.emulator import serve
    from mastcache.net import httpcache
    from mastcache.settings import Settings

    settings = Settings.from_env({}, cache_dir=tmp_path)
    with serve(host="127.0.0.1", port=0) as base_url:
        url = f"{base_url}/api/v0/invoke"
        body = (
            'request={"service": "Mast.Caom.Cone", "params": {"ra": 10.68, "dec": 41.27, '
            '"radius": 0.1}, "format": "json", "pagesize": 50, "page": 1}'
        )
        headers = {"Content-type": "application/x-www-form-urlencoded"}
        for first, second in (("json", "orjson"), ("orjson", "json")):
            for name in (first, second):
                session = httpcache.make_session(settings.new(cache_dir=tmp_path / first))
                session.cache.serializer = init_serializer(name, decode_content=False)
                answer = session.post(url, data=body, headers=headers)
                assert answer.status_code == 200
                assert getattr(answer, "from_cache", False) is (name == second)
                session.close()


#: The rule itself: 19 digits in a row, at the start or after a byte that is neither a digit
#: nor a quote.
_BARE_RUN = re.compile(rb'(?:\A|[^"0-9])[0-9]{19}')


@settings(max_examples=300, deadline=None)
@given(
    body=st.lists(
        st.one_of(
            st.integers(1, 24).map(lambda n: b"7" * n),  # runs around 19 long
            st.sampled_from([b'"', b" ", b",", b"-", b".", b"e"]),
        ),
        max_size=40,
    ),
    piece=st.integers(1, 64),
)
def test_scanning_in_pieces_finds_what_one_scan_of_the_whole_body_finds(
    body: list[bytes], piece: int
) -> None:
    """Runs that straddle a piece boundary, or start right after one, are still found."""
    content = b"".join(body)
    expected = _BARE_RUN.search(content) is not None
    assert may_hold_big_integers(content, piece=piece) is expected
    assert may_hold_big_integers(content) is expected
