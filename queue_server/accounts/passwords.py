"""Hashing of people's passwords (scrypt) and of bearer tokens (SHA-256)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass

from queue_server.accounts.principal import AccountError

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
TOKEN_BYTES = 32

_SALT_BYTES = 16
_KEY_BYTES = 32
_ENCODED = re.compile(
    r"scrypt\$(\d{1,2})\$(\d{1,3})\$(\d{1,3})\$([A-Za-z0-9+/]+=*)\$([A-Za-z0-9+/]+=*)", re.ASCII
)
# Upper bounds on the cost parameters, also applied to those read back with a stored hash, so
# that a damaged row cannot make one login allocate gigabytes.
_MAX_N_LOG2 = 20
_MAX_R = 32
_MAX_P = 16


def check_new_password(password: str, username: str) -> None:
    """Raise AccountError unless `password` may be set for `username`.

    The rules a hall's security review asks of a new password (等保: 口令具有复杂度要求):
    those of check_password, at least two kinds among letters, digits and other characters,
    and not the person's username (of 3 or more characters) inside it. A password set before
    these rules still logs in.
    """
    normalized = check_password(password)
    if len(_kinds(normalized)) < 2:
        raise AccountError(
            "the password must mix two kinds of characters of these three: letters, digits,"
            " others (passwords like 12345678 or abcdefgh are guessed first)"
        )
    if len(username) >= 3 and username.casefold() in normalized.casefold():
        raise AccountError("the password must not contain the username")


def check_password(password: str) -> str:
    """Return the password as it will be hashed, or raise AccountError if it cannot be."""
    normalized = _normalize(password)
    if not normalized:
        raise AccountError("the password is empty")
    if len(normalized) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password is shorter than {MIN_PASSWORD_LENGTH} characters")
    if len(normalized) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"the password is longer than {MAX_PASSWORD_LENGTH} characters")
    return normalized


def _kinds(password: str) -> set[str]:
    """Which of letters, digits and other characters (spaces, punctuation) the password has."""
    return {"letter" if c.isalpha() else "digit" if c.isdigit() else "other" for c in password}


@dataclass(frozen=True)
class PasswordHasher:
    """scrypt at a given cost, stored as `scrypt$<log2 n>$<r>$<p>$<salt b64>$<key b64>`.

    Each hash carries its own parameters, so the cost can be raised later while older hashes
    still verify (and `needs_rehash` tells when to replace them).
    """

    n_log2: int = 15
    r: int = 8
    p: int = 1

    def __post_init__(self) -> None:
        _check_cost(self.n_log2, self.r, self.p)

    def hash(self, password: str) -> str:
        """Hash a new password; raises AccountError if the password is not allowed."""
        salt = secrets.token_bytes(_SALT_BYTES)
        key = _scrypt(check_password(password), salt, self.n_log2, self.r, self.p, _KEY_BYTES)
        return _encode(self.n_log2, self.r, self.p, salt, key)

    def verify(self, password: str, encoded: str) -> bool:
        """Whether `password` matches the stored hash, compared in constant time."""
        n_log2, r, p, salt, key = _decode(encoded)
        candidate = _scrypt(_normalize(password), salt, n_log2, r, p, len(key))
        return hmac.compare_digest(candidate, key)

    def needs_rehash(self, encoded: str) -> bool:
        """Whether a stored hash was made with other parameters than this hasher's."""
        n_log2, r, p, _, _ = _decode(encoded)
        return (n_log2, r, p) != (self.n_log2, self.r, self.p)

    @property
    def dummy_hash(self) -> str:
        """A well-formed hash at this hasher's cost that no real password is expected to match.

        Verifying against it costs as much as verifying a real password, which keeps a login
        for an unknown username as slow as one with a wrong password.
        """
        return _encode(self.n_log2, self.r, self.p, bytes(_SALT_BYTES), bytes(_KEY_BYTES))


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    # A token carries 256 random bits: no one can find it from its hash however fast the hash
    # is, so a slow KDF would only add latency to every request. A plain SHA-256 is enough.
    return hashlib.sha256(_utf8(token)).hexdigest()


def _normalize(password: str) -> str:
    # NFKC folds full-width letters and digits (a Chinese IME in full-width mode) into their
    # ASCII twins, so the same keys pressed give the same password.
    return unicodedata.normalize("NFKC", password)


def _utf8(text: str) -> bytes:
    # A JSON body may carry lone surrogates ("\ud800"); they must fail to match, not to encode.
    return text.encode("utf-8", "surrogatepass")


def _scrypt(password: str, salt: bytes, n_log2: int, r: int, p: int, dklen: int) -> bytes:
    n = 1 << n_log2
    # OpenSSL needs exactly 128*r*(n+p+2) bytes and refuses anything over `maxmem`, whose
    # default (32 MiB) is just short of what n=2**15, r=8 needs.
    maxmem = 128 * r * (n + p + 2)
    return hashlib.scrypt(_utf8(password), salt=salt, n=n, r=r, p=p, maxmem=maxmem, dklen=dklen)


def _check_cost(n_log2: int, r: int, p: int) -> None:
    if not (1 <= n_log2 <= _MAX_N_LOG2 and 1 <= r <= _MAX_R and 1 <= p <= _MAX_P):
        raise AccountError(
            f"scrypt parameters out of range: log2 n={n_log2} (1-{_MAX_N_LOG2}), "
            f"r={r} (1-{_MAX_R}), p={p} (1-{_MAX_P})"
        )


def _encode(n_log2: int, r: int, p: int, salt: bytes, key: bytes) -> str:
    return "$".join(("scrypt", str(n_log2), str(r), str(p), _b64(salt), _b64(key)))


def _decode(encoded: str) -> tuple[int, int, int, bytes, bytes]:
    match = _ENCODED.fullmatch(encoded)
    if match is None:
        raise AccountError("a stored password hash is malformed")
    n_log2, r, p = (int(group) for group in match.group(1, 2, 3))
    _check_cost(n_log2, r, p)
    try:
        salt = base64.b64decode(match[4], validate=True)
        key = base64.b64decode(match[5], validate=True)
    except ValueError as exc:
        raise AccountError("a stored password hash is malformed") from exc
    return n_log2, r, p, salt, key


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
