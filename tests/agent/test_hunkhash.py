"""Keyed hunk hashes: equal new text and key give equal hashes, line endings do not matter, keys do."""

from __future__ import annotations

import hashlib
import hmac

from tandem.hunkhash import HASH_CHARS, hunk_hash, split_lines, text_hash

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
