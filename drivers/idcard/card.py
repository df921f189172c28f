"""IdCard: what an ID card reader reads, with GB 11643 number checks and masking for logs."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from drivers.idcard.base import IdCardError

log = logging.getLogger(__name__)

# GB 11643-1999: weight of the i-th digit is 2**(17 - i) mod 11; the check is ISO 7064 MOD 11-2.
_WEIGHTS = tuple(2 ** (17 - i) % 11 for i in range(17))
_CHECK_CHARACTERS = "10X98765432"
# Nobody alive was born earlier; a smaller year is a misread.
_EARLIEST_BIRTH_YEAR = 1880


class InvalidIdNumber(IdCardError, ValueError):
    """Not a valid 18-character resident ID number; the message shows it masked only."""


def mask_id_number(text: str) -> str:
    """`1101**********1234`: the first four and last four characters, the most a log may show."""
    text = text.strip()
    if len(text) < 12:
        return "*" * len(text)
    return text[:4] + "*" * (len(text) - 8) + text[-4:]


def parse_id_number(text: str) -> tuple[str, dt.date]:
    """The number normalised (upper-case X) and the birth date it holds; else InvalidIdNumber."""
    number = text.strip().upper()
    where = f"ID number {mask_id_number(number)}"
    if len(number) != 18:
        raise InvalidIdNumber(f"{where}: has {len(number)} characters, a resident ID has 18")
    body, check = number[:17], number[17]
    if not (body.isascii() and body.isdigit()) or check not in _CHECK_CHARACTERS:
        raise InvalidIdNumber(f"{where}: only digits are allowed, and X as the last character")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise InvalidIdNumber(f"{where}: its birth date part is not a date") from exc
    if birth.year < _EARLIEST_BIRTH_YEAR:
        raise InvalidIdNumber(f"{where}: its birth year is before {_EARLIEST_BIRTH_YEAR}")
    expected = _CHECK_CHARACTERS[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]
    if check != expected:
        raise InvalidIdNumber(f"{where}: the check character does not match (mistyped or misread)")
    return number, birth


@dataclass(frozen=True, repr=False)
class IdCard:
    """One card placed on a reader. `name` is empty when the reader only types the number."""

    name: str
    id_number: str
    birth_date: dt.date

    def __post_init__(self) -> None:
        if parse_id_number(self.id_number) != (self.id_number, self.birth_date):
            raise InvalidIdNumber(
                f"ID number {mask_id_number(self.id_number)}: not as parse_id_number() gives it,"
                " or not this birth date; build cards with IdCard.from_number()"
            )

    @classmethod
    def from_number(cls, id_number: str, name: str = "") -> IdCard:
        number, birth = parse_id_number(id_number)
        return cls(name.strip(), number, birth)

    @property
    def masked_name(self) -> str:
        """张* for 张三, 欧** for 欧阳娜: only the first character, as tickets show names."""
        return self.name[:1] + "*" * max(1, len(self.name) - 1) if self.name else ""

    def age_on(self, day: dt.date) -> int:
        """Full years of age (周岁) on `day`; one more from each birthday on."""
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - before_birthday

    def __repr__(self) -> str:
        # Cards end up in logs and tracebacks: never the number in full, never the whole name.
        return f"IdCard(name={self.masked_name!r}, id_number={mask_id_number(self.id_number)!r})"


@dataclass(frozen=True)
class Misread:
    """A card was placed but its number did not hold up (a bad read, a damaged chip): the
    citizen should place it again. Carries no part of the number."""

    reader: str


def read_card(id_number: str, name: str, reader: str) -> IdCard | Misread:
    """The card `reader` reported, or a Misread (logged masked) when its number does not hold
    up."""
    try:
        return IdCard.from_number(id_number, name)
    except InvalidIdNumber as exc:
        log.warning("%s: card not read: %s", reader, exc)
        return Misread(reader)
