"""Keyed hunk hashes: equal new text and key give equal hashes, line endings do not matter, keys do."""

from __future__ import annotations

import hashlib
import hmac

from hypothesis import given
from hypothesis import strategies as st

from tandem.hunkhash import HASH_CHARS, content_hash, hunk_hash, split_lines, text_hash

KEY = b"k" * 32


def test_hash_is_truncated_hmac_sha256_of_the_normalised_lines() -> None:
    expected = hmac.new(KEY, b"a\nb\n", hashlib.sha256).hexdigest()[:HASH_CHARS]
    assert hunk_hash(KEY, [b"a\n", b"b\n"]) == expected
    assert len(expected) == 32


def test_line_endings_and_a_missing_final_newline_do_not_change_the_hash() -> None:
    assert hunk_hash(KEY, [b"a\r\n", b"b"]) == hunk_hash(KEY, [b"a\n", b"b\n"])


def test_different_keys_or_texts_differ() -> None:
    assert hunk_hash(KEY, [b"a\n"]) != hunk_hash(b"other", [b"a\n"])
    assert hunk_hash(KEY, [b"a\n"]) != hunk_hash(KEY, [b"b\n"])
    assert hunk_hash(KEY, [b"ab\n"]) != hunk_hash(KEY, [b"a\n", b"b\n"])


def test_deletions_hash_the_empty_text() -> None:
    assert hunk_hash(KEY, []) == hmac.new(KEY, b"", hashlib.sha256).hexdigest()[:HASH_CHARS]


def test_split_lines_counts_like_git() -> None:
    assert split_lines(b"") == []
    assert split_lines(b"a\nb") == [b"a\n", b"b"]
    assert split_lines(b"a\r\nb\n") == [b"a\r\n", b"b\n"]
    assert split_lines(b"a\rb\n") == [b"a\rb\n"]  # a lone CR is not a line end for git
    assert text_hash(KEY, b"a\nb") == hunk_hash(KEY, [b"a\n", b"b\n"])


@given(text=st.binary(max_size=64).map(lambda b: b.replace(b"x", b"\r").replace(b"y", b"\n")), size=st.integers(1, 7))
def test_streamed_text_content_hashes_like_the_whole_text(text: bytes, size: int) -> None:
    chunks = [text[i : i + size] for i in range(0, len(text), size)]
    assert content_hash(KEY, chunks, binary=False) == text_hash(KEY, text)


def test_binary_content_is_hashed_as_is() -> None:
    raw = b"\0\r\n\1"
    assert content_hash(KEY, [raw[:2], raw[2:]], binary=True) == hmac.new(KEY, raw, "sha256").hexdigest()[:32]
