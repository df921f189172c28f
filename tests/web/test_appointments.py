"""Appointments through the real HTTP API: booked ahead, checked in once, served in the slot."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

from helpers import FakeClock, RunningHall, small_hall

SLOT = {
    "code": "YY20261123A7",
    "service": "social",
    "slot_start": "2026-11-23T09:00:00+08:00",
    "slot_end": "2026-11-23T09:30:00+08:00",
}


async def test_book_then_check_in_gives_an_appointment_ticket_served_first_in_its_slot(
    start_hall: Callable[..., Awaitable[RunningHall]], clock: FakeClock
) -> None:
    hall = await start_hall(clock=clock)
    manager = await hall.person("li", "manager")
    kiosk = await hall.device("kiosk-1", "kiosk")
    status, booked = await hall.call("POST", "/api/v1/appointments", manager, SLOT)
    assert status == 201, booked
    assert booked["appointment"]["checked_in"] is False
    for _ in range(3):  # walk-ins who came earlier
        await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"})

    status, looked = await hall.call("GET", f"/api/v1/appointments/{SLOT['code']}", kiosk)
    assert (status, looked["appointment"]["service"]) == (200, "social")
    clock.advance(minutes=5)  # 09:05, inside the slot
    status, answer = await hall.call(
        "POST", f"/api/v1/appointments/{SLOT['code']}/check-in", kiosk, {"idempotency_key": "t1"}
    )
    assert status == 201, answer
    assert answer["ticket"]["priority"] == "appointment"
    assert answer["ticket"]["number"] == "A004"
    assert answer["ahead"] == 0  # ahead of the three walk-ins while its slot runs

    clerk = await hall.clerk_at("1", "wang")
    status, called = await hall.call("POST", "/api/v1/windows/1/call-next", clerk)
    assert called["ticket"]["number"] == "A004"


async def test_a_second_check_in_never_makes_a_second_ticket(
    start_hall: Callable[..., Awaitable[RunningHall]], clock: FakeClock
) -> None:
    hall = await start_hall(clock=clock)
    manager = await hall.person("li", "manager")
    kiosk = await hall.device("kiosk-1", "kiosk")
    await hall.call("POST", "/api/v1/appointments", manager, SLOT)
    path = f"/api/v1/appointments/{SLOT['code']}/check-in"
    first = await hall.call("POST", path, kiosk, {"idempotency_key": "touch-1"})
    again = await hall.call("POST", path, kiosk, {"idempotency_key": "touch-1"})
    assert first[0] == again[0] == 201
    assert again[1]["ticket"]["id"] == first[1]["ticket"]["id"]  # the same touch, resent
    status, refused = await hall.call("POST", path, kiosk, {"idempotency_key": "touch-2"})
    assert (status, refused["error"]["code"]) == (409, "already_checked_in")
    assert "A001" in refused["error"]["message"]
    # A key the kiosk used for an ordinary ticket is not this check-in's: refused.
    walk_in = {"service": "social", "idempotency_key": "touch-3"}
    assert (await hall.call("POST", "/api/v1/tickets", kiosk, walk_in))[0] == 201
    other = {**SLOT, "code": "APPT0002"}
    assert (await hall.call("POST", "/api/v1/appointments", manager, other))[0] == 201
    status, refused = await hall.call(
        "POST", "/api/v1/appointments/APPT0002/check-in", kiosk, {"idempotency_key": "touch-3"}
    )
    assert (status, refused["error"]["code"]) == (409, "idempotency_key_reused"), refused
    status, hall_view = await hall.call("GET", "/api/v1/hall")
    social = next(s for s in hall_view["services"] if s["id"] == "social")
    assert (social["waiting"], social["issued_today"]) == (2, 2)


async def test_check_in_on_another_day_or_with_an_unknown_code_is_refused(
    start_hall: Callable[..., Awaitable[RunningHall]], clock: FakeClock
) -> None:
    hall = await start_hall(clock=clock)
    manager = await hall.person("li", "manager")
    kiosk = await hall.device("kiosk-1", "kiosk")
    tomorrow = {
        **SLOT,
        "code": "YY20261124B1",
        "slot_start": "2026-11-24T09:00:00+08:00",
        "slot_end": "2026-11-24T09:30:00+08:00",
    }
    assert (await hall.call("POST", "/api/v1/appointments", manager, tomorrow))[0] == 201
    status, refused = await hall.call("POST", "/api/v1/appointments/YY20261124B1/check-in", kiosk)
    assert (status, refused["error"]["code"]) == (409, "appointment_not_today")
    assert "11月24日 09:00" in refused["error"]["message"]
    for code in ("NOPE1234", "a%20b", "x" * 65):
        status, refused = await hall.call("POST", f"/api/v1/appointments/{code}/check-in", kiosk)
        assert (status, refused["error"]["code"]) == (404, "unknown_appointment"), code
        # A malformed body is refused as such first, whatever the code (docs/api.md).
        bad_body = {"idempotency_key": "touch-1", "colour": "red"}
        status, refused = await hall.call(
            "POST", f"/api/v1/appointments/{code}/check-in", kiosk, bad_body
        )
        assert (status, refused["error"]["code"]) == (422, "invalid_request"), code
    status, hall_view = await hall.call("GET", "/api/v1/hall")
    assert all(s["issued_today"] == 0 for s in hall_view["services"])


async def test_booking_is_for_managers_checked_and_idempotent(
    start_hall: Callable[..., Awaitable[RunningHall]], clock: FakeClock
) -> None:
    hall = await start_hall(clock=clock)
    manager = await hall.person("li", "manager")
    kiosk = await hall.device("kiosk-1", "kiosk")
    assert (await hall.call("POST", "/api/v1/appointments", kiosk, SLOT))[0] == 403
    assert (await hall.call("POST", "/api/v1/appointments", None, SLOT))[0] == 401
    bad_bodies = [
        ("slot_start", {**SLOT, "slot_start": "tomorrow at nine"}),
        ("slot_end", {**SLOT, "slot_end": "2026-11-23T09:30:00"}),  # no UTC offset
        # At the ends of the calendar a time zone takes it past year 1 or 9999.
        ("slot_start", {**SLOT, "slot_start": "0001-01-01T00:00:00+08:00"}),
        ("slot_end", {**SLOT, "slot_end": "9999-12-31T23:59:59-12:00"}),
        ("slot_start", {**SLOT, "slot_start": "1999-12-31T09:00:00+08:00"}),
        ("code", {**SLOT, "code": "有中文"}),
        ("service", {k: v for k, v in SLOT.items() if k != "service"}),
    ]
    for field, body in bad_bodies:
        status, refused = await hall.call("POST", "/api/v1/appointments", manager, body)
        assert status == 422 and refused["error"]["message"].startswith(field), refused
    backwards = {**SLOT, "slot_end": "2026-11-23T08:30:00+08:00"}
    status, refused = await hall.call("POST", "/api/v1/appointments", manager, backwards)
    assert (status, refused["error"]["code"]) == (409, "invalid_slot")
    assert (await hall.call("POST", "/api/v1/appointments", manager, SLOT))[0] == 201
    assert (await hall.call("POST", "/api/v1/appointments", manager, SLOT))[0] == 201
    other = {**SLOT, "service": "company"}
    status, refused = await hall.call("POST", "/api/v1/appointments", manager, other)
    assert (status, refused["error"]["code"]) == (409, "appointment_exists")


async def test_appointments_survive_a_restart(
    start_hall: Callable[..., Awaitable[RunningHall]], clock: FakeClock, tmp_path: object
) -> None:
    db = f"{tmp_path}/hall.db"
    hall = await start_hall(clock=clock, db_path=db, snapshot_every=2)
    manager = await hall.person("li", "manager")
    kiosk = await hall.device("kiosk-1", "kiosk")
    await hall.call("POST", "/api/v1/appointments", manager, SLOT)
    await hall.call("POST", "/api/v1/appointments", manager, {**SLOT, "code": "SECOND01"})
    await hall.call("POST", "/api/v1/appointments/SECOND01/check-in", kiosk)
    await hall.server.stop()
    again = await start_hall(clock=clock, db_path=db)
    kiosk = await again.device("kiosk-2", "kiosk")
    status, looked = await again.call("GET", "/api/v1/appointments/SECOND01", kiosk)
    assert looked["appointment"]["checked_in"] is True
    assert looked["appointment"]["ticket"]["number"] == "A001"
    status, answer = await again.call(
        "POST", f"/api/v1/appointments/{SLOT['code']}/check-in", kiosk
    )
    assert (status, answer["ticket"]["number"]) == (201, "A002")


async def test_the_hall_view_tells_kiosks_what_is_left_and_how_long_it_takes(
    start_hall: Callable[..., Awaitable[RunningHall]], clock: FakeClock
) -> None:
    config = small_hall()
    config = dataclasses.replace(
        config,
        services=tuple(
            dataclasses.replace(s, daily_quota=2) if s.id == "social" else s
            for s in config.services
        ),
    )
    hall = await start_hall(config, clock=clock)
    kiosk = await hall.device("kiosk-1", "kiosk")
    await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"})
    _, view = await hall.call("GET", "/api/v1/hall")
    social = next(s for s in view["services"] if s["id"] == "social")
    # One waiting, 6 minutes a service, windows 1, 2 and 3 (overflow) can take it; none open.
    assert (social["issued_today"], social["left_today"], social["left_in_session"]) == (1, 1, None)
    assert social["eta_minutes"] == 2.0
    assert view["hall"]["issuing"] == {
        "open": True,
        "session": 0,
        "stops_at": "2026-11-23T11:30:00+08:00",
        "opens_at": None,
    }
    clock.advance(hours=2, minutes=45)  # 11:45, past the morning cut-off
    _, view = await hall.call("GET", "/api/v1/hall")
    assert view["hall"]["issuing"]["open"] is False
    assert view["hall"]["issuing"]["opens_at"] == "2026-11-23T13:30:00+08:00"


async def test_a_check_in_the_kiosk_voided_for_its_printer_checks_in_again(
    start_hall: Callable[..., Awaitable[RunningHall]], clock: FakeClock
) -> None:
    """A kiosk that cannot print a check-in's ticket voids it and tells the citizen to take
    another: the code must then check in again, not answer with the voided number."""
    hall = await start_hall(clock=clock)
    manager = await hall.person("li", "manager")
    kiosk = await hall.device("kiosk-1", "kiosk")
    await hall.call("POST", "/api/v1/appointments", manager, SLOT)
    path = f"/api/v1/appointments/{SLOT['code']}"
    _, first = await hall.call("POST", f"{path}/check-in", kiosk, {"idempotency_key": "touch-1"})
    reason = {"reason": "号票未能打印, 已作废"}
    status, _ = await hall.call(
        "POST", f"/api/v1/tickets/{first['ticket']['id']}/cancel", kiosk, reason
    )
    assert status == 200

    status, looked = await hall.call("GET", path, kiosk)
    assert looked["appointment"]["checked_in"] is False, looked
    assert looked["appointment"]["ticket"] is None
    status, again = await hall.call(
        "POST", f"{path}/check-in", kiosk, {"idempotency_key": "touch-2"}
    )
    assert status == 201, again
    assert (again["ticket"]["number"], again["ticket"]["priority"]) == ("A002", "appointment")
    status, looked = await hall.call("GET", path, kiosk)
    assert looked["appointment"]["ticket"]["number"] == "A002"
