"""ID cards: GB 11643 number checks, masking, and the IdCardReader contract on its three readers."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from drivers.idcard.base import IdCardError, IdCardReader, IdCardReaderGone
from drivers.idcard.card import (
    IdCard,
    InvalidIdNumber,
    Misread,
    mask_id_number,
    parse_id_number,
)
from drivers.idcard.fake import FakeIdCardReader, FileIdCardReader
from drivers.idcard.keyboard import KeyboardIdCardReader
from drivers.input.base import DeviceGone
from drivers.input.fake import FakeSource

WAIT = 5.0  # seconds; a guard against hanging, never a timing assertion
# The examples of GB 11643-1999 itself, and one born on a leap day.
WITH_X = "11010519491231002X"
PLAIN = "440524188001010014"
LEAP = "110101200002290018"


@pytest.mark.parametrize(
    ("text", "number", "birth"),
    [
        (WITH_X, WITH_X, dt.date(1949, 12, 31)),
        ("11010519491231002x", WITH_X, dt.date(1949, 12, 31)),
        (f" {PLAIN}\n", PLAIN, dt.date(1880, 1, 1)),
        (LEAP, LEAP, dt.date(2000, 2, 29)),
    ],
)
def test_parse_accepts_valid_numbers_and_normalises(text: str, number: str, birth: dt.date) -> None:
    assert parse_id_number(text) == (number, birth)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("11010519491231002", "has 17 characters, a resident ID has 18"),
        ("110105491231002", "has 15 characters"),
        ("1101051949123100X2", "only digits are allowed, and X as the last character"),
        ("11010519491231002Y", "only digits are allowed"),
        ("１１0105194912310028", "only digits are allowed"),  # full-width digits
        ("110105194913310020", "its birth date part is not a date"),
        ("110101190102290015", "its birth date part is not a date"),  # 1901 had no 29 Feb
        ("110105179912310020", "its birth year is before 1880"),
        ("110105194912310021", "the check character does not match"),
    ],
)
def test_parse_refuses_with_a_clear_reason_and_never_the_number(text: str, reason: str) -> None:
    with pytest.raises(InvalidIdNumber, match=reason) as caught:
        parse_id_number(text)
    assert text.strip()[4:-4] not in str(caught.value)


def test_an_invalid_number_is_an_id_card_error_and_a_value_error() -> None:
    assert issubclass(InvalidIdNumber, IdCardError)
    assert issubclass(InvalidIdNumber, ValueError)


@pytest.mark.parametrize(
    ("text", "masked"),
    [(WITH_X, "1101**********002X"), ("123456789012", "1234****9012"), ("12345", "*****")],
)
def test_masking_keeps_four_and_four_at_most(text: str, masked: str) -> None:
    assert mask_id_number(text) == masked


def test_a_card_never_shows_its_number_or_whole_name() -> None:
    card = IdCard.from_number(WITH_X, "张三丰")
    for shown in (repr(card), str(card), f"{card}", repr([card])):
        assert WITH_X not in shown
        assert "张三丰" not in shown
        assert "1101**********002X" in shown


@pytest.mark.parametrize(
    ("name", "masked"), [("张三", "张*"), ("欧阳娜娜", "欧***"), ("李", "李*"), ("", "")]
)
def test_masked_name(name: str, masked: str) -> None:
    assert IdCard.from_number(PLAIN, name).masked_name == masked


def test_age_counts_full_years_and_turns_on_the_birthday() -> None:
    card = IdCard.from_number("11010519651123001X")  # born 1965-11-23
    assert card.age_on(dt.date(2025, 11, 22)) == 59
    assert card.age_on(dt.date(2025, 11, 23)) == 60
    assert card.age_on(dt.date(2026, 1, 1)) == 60


def test_a_leap_day_birthday_counts_from_1_march_in_other_years() -> None:
    card = IdCard.from_number(LEAP)
    assert card.age_on(dt.date(2060, 2, 28)) == 59
    assert card.age_on(dt.date(2061, 2, 28)) == 60
    assert card.age_on(dt.date(2061, 3, 1)) == 61


def test_a_card_must_agree_with_its_number() -> None:
    with pytest.raises(InvalidIdNumber, match=r"build cards with IdCard\.from_number"):
        IdCard("张三", WITH_X, dt.date(1950, 1, 1))
    with pytest.raises(InvalidIdNumber):
        IdCard("张三", WITH_X.lower(), dt.date(1949, 12, 31))


@dataclass
class Rig:
    """A reader, the way a citizen's card reaches it, and the name the reader can know."""

    reader: IdCardReader
    present: Callable[[str, str], None]
    knows_names: bool


def _append_to(path: Path) -> Callable[[str], None]:
    def append(line: str) -> None:
        with path.open("a", encoding="utf-8") as file:
            file.write(line + "\n")

    return append


@pytest.fixture(params=["fake", "file", "keyboard"])
def rig(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Rig]:
    if request.param == "fake":
        fake = FakeIdCardReader()
        made = Rig(fake, lambda name, number: fake.place(IdCard.from_number(number, name)), True)
    elif request.param == "file":
        append = _append_to(tmp_path / "idcard.in")
        reader = FileIdCardReader(tmp_path, interval=0.01)
        made = Rig(reader, lambda name, number: append(f"{name},{number}"), True)
    else:
        source = FakeSource()
        made = Rig(
            KeyboardIdCardReader(source), lambda _, number: source.type(number + "\n"), False
        )
    yield made
    made.reader.close()


async def take(cards: AsyncIterator[IdCard], count: int) -> list[IdCard]:
    return [await asyncio.wait_for(anext(cards), WAIT) for _ in range(count)]


class TestIdCardReaderContract:
    def test_is_a_reader_with_a_name(self, rig: Rig) -> None:
        assert isinstance(rig.reader, IdCardReader)
        assert rig.reader.name

    async def test_cards_come_out_in_order_with_number_and_birth_date(self, rig: Rig) -> None:
        rig.present("张三", WITH_X.lower())
        rig.present("李四", PLAIN)
        first, second = await take(aiter(rig.reader), 2)
        assert (first.id_number, first.birth_date) == (WITH_X, dt.date(1949, 12, 31))
        assert (second.id_number, second.birth_date) == (PLAIN, dt.date(1880, 1, 1))
        assert (first.name, second.name) == (("张三", "李四") if rig.knows_names else ("", ""))

    async def test_close_ends_a_waiting_iteration(self, rig: Rig) -> None:
        waiting = asyncio.create_task(take(aiter(rig.reader), 1))
        await asyncio.sleep(0)
        rig.reader.close()
        with pytest.raises(StopAsyncIteration):
            await asyncio.wait_for(waiting, WAIT)


@pytest.fixture(params=["file", "keyboard"])
def typing_rig(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[IdCardReader, Callable[[str], None]]]:
    if request.param == "file":
        reader: IdCardReader = FileIdCardReader(tmp_path, interval=0.01)
        yield reader, _append_to(tmp_path / "idcard.in")
    else:
        source = FakeSource()
        reader = KeyboardIdCardReader(source)
        yield reader, lambda line: source.type(line + "\n")
    reader.close()


async def test_a_misread_number_comes_out_as_a_misread_logged_masked(
    typing_rig: tuple[IdCardReader, Callable[[str], None]], caplog: pytest.LogCaptureFixture
) -> None:
    reader, type_line = typing_rig
    bad = "110105194912310021"
    type_line(bad)
    type_line(PLAIN)
    with caplog.at_level(logging.WARNING):
        misread, card = await take(aiter(reader), 2)
    assert isinstance(misread, Misread) and bad not in repr(misread)
    assert isinstance(card, IdCard) and card.id_number == PLAIN
    assert "1101**********0021" in caplog.text
    assert "check character does not match" in caplog.text
    assert bad not in caplog.text
    assert bad[4:-4] not in caplog.text


async def test_the_file_reader_takes_a_bare_number_and_names_with_commas(tmp_path: Path) -> None:
    reader = FileIdCardReader(tmp_path, interval=0.01)
    append = _append_to(tmp_path / "idcard.in")
    append(PLAIN)
    append(f"Anna, Maria,{WITH_X}")
    first, second = await take(aiter(reader), 2)
    assert (first.name, first.id_number) == ("", PLAIN)
    assert (second.name, second.id_number) == ("Anna, Maria", WITH_X)
    reader.close()


async def test_fake_reader_unplugged_raises_reader_gone() -> None:
    reader = FakeIdCardReader()
    reader.unplug()
    with pytest.raises(IdCardReaderGone):
        await anext(aiter(reader))
    assert issubclass(IdCardReaderGone, DeviceGone)


async def test_keyboard_reader_grabs_and_drops_a_half_number_on_loss() -> None:
    source = FakeSource()
    reader = KeyboardIdCardReader(source)
    assert source.grabbed
    source.type(PLAIN[:9])
    source.unplug()
    with pytest.raises(IdCardReaderGone, match="unplugged"):
        await anext(aiter(reader))


def test_keyboard_reader_on_a_device_held_elsewhere_is_an_id_card_error() -> None:
    source = FakeSource()
    source.grab()
    with pytest.raises(IdCardError, match="already grabbed"):
        KeyboardIdCardReader(source)


def test_keyboard_reader_open_with_nothing_matching_is_an_id_card_error() -> None:
    with pytest.raises(IdCardError, match="no input device matches"):
        KeyboardIdCardReader.open("name:hallq-no-such-reader")
