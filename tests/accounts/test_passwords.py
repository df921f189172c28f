"""Password hashing with scrypt and bearer-token hashing."""

from __future__ import annotations

import base64
import re

import pytest

from queue_server.accounts import (
    AccountError,
    PasswordHasher,
    check_new_password,
    check_password,
    hash_token,
    new_token,
)

# Cheap parameters keep the suite fast; the format and the checks are the same at any cost.
FAST = PasswordHasher(n_log2=10)


def test_hash_round_trip_in_self_describing_format() -> None:
    hasher = PasswordHasher()
    encoded = hasher.hash("correct horse")

    match = re.fullmatch(r"scrypt\$15\$8\$1\$([^$]+)\$([^$]+)", encoded)
    assert match is not None
    assert len(base64.b64decode(match[1])) == 16
    assert len(base64.b64decode(match[2])) == 32
    assert hasher.verify("correct horse", encoded)


def test_same_password_gets_a_fresh_salt_each_time() -> None:
    assert FAST.hash("correct horse") != FAST.hash("correct horse")


def test_wrong_password_does_not_verify() -> None:
    encoded = FAST.hash("correct horse")

    assert not FAST.verify("correct horsf", encoded)
    assert not FAST.verify("", encoded)


@pytest.mark.parametrize(
    ("password", "reason"),
    [("", "empty"), ("1234567", "shorter than 8"), ("x" * 1025, "longer than 1024")],
)
def test_passwords_outside_the_policy_are_refused(password: str, reason: str) -> None:
    with pytest.raises(AccountError, match=reason):
        FAST.hash(password)


def test_eight_characters_are_enough_to_hash() -> None:
    # A password set before the rules for new passwords still logs in, and is re-hashed.
    assert check_password("12345678") == "12345678"


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("12345678", "two kinds"),
        ("abcdefghij", "two kinds"),
        ("!!!!----", "two kinds"),
        ("Ｐａｓｓｗｏｒｄ", "two kinds"),  # full-width letters are letters still
        ("wang2026!", "username"),
        ("xWANG-2026", "username"),
        ("1234567", "shorter than 8"),
    ],
)
def test_new_passwords_outside_the_rules_are_refused(password: str, reason: str) -> None:
    with pytest.raises(AccountError, match=reason):
        check_new_password(password, "wang")


@pytest.mark.parametrize(
    "password", ["correct horse", "a-long-password", "2026nian12yue", "张三在江北的密码1"]
)
def test_new_passwords_of_two_kinds_are_allowed(password: str) -> None:
    check_new_password(password, "wang")


def test_a_username_of_one_or_two_characters_may_be_in_a_password() -> None:
    check_new_password("a-long-password", "a")
    check_new_password("correct horse battery", "or")


def test_full_width_input_matches_its_ascii_twin() -> None:
    encoded = FAST.hash("Pass1234")

    assert FAST.verify("Ｐａｓｓ１２３４", encoded)


def test_lone_surrogate_fails_to_match_instead_of_crashing() -> None:
    assert not FAST.verify("\ud800bad password", FAST.hash("good password"))


def test_hash_made_at_another_cost_still_verifies() -> None:
    encoded = PasswordHasher(n_log2=11, r=4, p=2).hash("correct horse")

    assert encoded.startswith("scrypt$11$4$2$")
    assert FAST.verify("correct horse", encoded)


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        "pbkdf2$15$8$1$AAAA$AAAA",
        "scrypt$15$8$1$AAAA",
        "scrypt$30$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAA",
        "scrypt$15$8$1$not base64!$AAAA",
        "scrypt$15$8$1$AAA$AAAA",
    ],
)
def test_malformed_stored_hash_is_an_account_error(encoded: str) -> None:
    with pytest.raises(AccountError, match=r"malformed|out of range"):
        FAST.verify("correct horse", encoded)


def test_cost_parameters_are_bounded() -> None:
    with pytest.raises(AccountError, match="out of range"):
        PasswordHasher(n_log2=21)


def test_dummy_hash_has_the_real_cost_and_matches_nothing() -> None:
    hasher = PasswordHasher()

    assert hasher.dummy_hash.startswith("scrypt$15$8$1$")
    assert not hasher.verify("correct horse", hasher.dummy_hash)


def test_tokens_are_random_and_hashed_with_sha256() -> None:
    token = new_token()

    assert len(token) == 43
    assert token != new_token()
    assert re.fullmatch(r"[0-9a-f]{64}", hash_token(token))
    assert hash_token(token) == hash_token(token)
    assert token not in hash_token(token)
