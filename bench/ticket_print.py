"""Touch to bytes ready for the printer: render and encode a ticket, against GB18030 text mode."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bench.common import Result, bench_main, median, percentile, ratio
from kiosk.ticket.encode import encode_image, encode_text
from kiosk.ticket.layout import PrintedTicket, Priority, TicketLayout
from kiosk.ticket.render import render_ticket

TARGET_MS = 100.0  # proposed: p99 on a Pi-class kiosk


@dataclass(frozen=True)
class Sizes:
    tickets: int = 500


SMOKE = Sizes(tickets=5)

LAYOUT = TicketLayout(header=("欢迎光临",), footer=("请妥善保管此票，过号请重新取号",))
TICKET = PrintedTicket(
    hall="江北区政务服务中心",
    area="1F 东区",
    service="社保医保",
    number="A001",
    people_ahead=0,
    wait_minutes=0,
    missed_call_rule="叫号三次未到视为过号，过号请到服务台重新取号",
    issued_at=dt.datetime(2026, 11, 23, 9, 5, tzinfo=ZoneInfo("Asia/Shanghai")),
    phone_url="https://hall.example.gov.cn/q/8f3a2c?n=A001",
    priority=Priority.GREEN_CHANNEL,
)

METHOD = f"""\
In the bench process, {Sizes.tickets} tickets in turn (number, people ahead and QR URL change
each time), each timed from the data being ready to the whole ESC/POS job in memory:
`render_ticket` (Pillow draws the 576-dot ticket with a CJK font and a QR, thresholded to
1 bit), then `encode_image` (python-escpos `GS v 0` raster, partial cut). The render share
is the median render time over the median total. Baseline, timed the same way in the same
run: `encode_text`, the same ticket in GB18030 text mode (printer font, native QR command,
nothing drawn). One ticket of each is made first and not counted: it loads the fonts.
Sending the job to the printer is not included. The target is a proposal: p99 under
{TARGET_MS:g} ms on a Pi-class kiosk; this machine is faster, so read the ratio."""


def _ticket(n: int) -> PrintedTicket:
    number = f"A{n % 1000:03d}"
    return dataclasses.replace(
        TICKET,
        number=number,
        people_ahead=n % 60,
        wait_minutes=(n % 60) * 3,
        phone_url=f"https://hall.example.gov.cn/q/{n:06x}?n={number}",
    )


async def run(*, smoke: bool = False) -> Result:
    return measure(SMOKE if smoke else Sizes())


def measure(sizes: Sizes) -> Result:
    started = time.perf_counter()
    first_bytes = len(encode_image(render_ticket(TICKET, LAYOUT), LAYOUT))
    first_ms = (time.perf_counter() - started) * 1000
    text_bytes = len(encode_text(TICKET, LAYOUT))
    render_ms, total_ms, text_ms = [], [], []
    for n in range(1, sizes.tickets + 1):
        ticket = _ticket(n)
        started = time.perf_counter()
        image = render_ticket(ticket, LAYOUT)
        rendered = time.perf_counter()
        encode_image(image, LAYOUT)
        done = time.perf_counter()
        encode_text(ticket, LAYOUT)
        text_done = time.perf_counter()
        render_ms.append((rendered - started) * 1000)
        total_ms.append((done - started) * 1000)
        text_ms.append((text_done - done) * 1000)
    p99, text_p99 = percentile(total_ms, 99), percentile(text_ms, 99)
    return Result(
        name="Ticket to printer bytes",
        metric="ms p99 from the ticket's data to its raster ESC/POS job (render + encode)",
        value=p99,
        baseline="the same ticket in GB18030 text mode, p99",
        baseline_value=text_p99,
        ratio=ratio(p99, text_p99),
        target=f"< {TARGET_MS:g} ms (proposed, Pi-class)",
        met=p99 < TARGET_MS,
        details={
            "tickets": sizes.tickets,
            "image: p50 (ms)": median(total_ms),
            "image: p99 (ms)": p99,
            "render: p50 (ms)": median(render_ms),
            "render: p99 (ms)": percentile(render_ms, 99),
            "render share of the median": median(render_ms) / median(total_ms),
            "text mode: p50 (ms)": median(text_ms),
            "text mode: p99 (ms)": text_p99,
            "first ticket, fonts loading (ms)": first_ms,
            "image job (bytes)": first_bytes,
            "text mode job (bytes)": text_bytes,
        },
    )


def main() -> None:
    bench_main(__doc__, run)


if __name__ == "__main__":
    main()
