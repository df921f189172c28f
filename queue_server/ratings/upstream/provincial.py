"""The reference upstream adapter: the provincial 好差评 field set, POSTed as JSON batches."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import aiohttp

from queue_server.ratings.upstream.base import UpstreamError, UpstreamItem, UpstreamSettings

NAME = "provincial"

_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"  # provincial interfaces take local wall-clock times
_ANSWER_SNIPPET = 200

# rater key in hallq -> provincial field
_RATER_FIELDS: Mapping[str, str] = {
    "name": "userName",
    "id_type": "userCertType",
    "id_number": "userCertNo",
    "credit_code": "creditCode",
    "phone": "mobile",
    "agent": "agentName",
}


def provincial_record(item: UpstreamItem, tz: dt.tzinfo) -> dict[str, Any]:
    """One rating in the provincial field set (docs/ratings.md lists every field).

    `satisfaction` is hallq's internal level as it is: provincial interfaces, like hallq,
    use 5 = 非常满意, the reverse of the GB/T 39046 codes.
    """
    record, served = item.record, item.record.served
    rater = item.rater or {}
    fields: dict[str, Any] = {
        "appraiseId": record.id,
        "ticketNo": served.ticket_number,
        "projectNo": record.case_no or "",
        "taskCode": served.service,
        "taskName": record.service_name,
        "stage": record.stage.value,
        "satisfaction": int(record.level),
        "evalDetail": ",".join(record.tags),
        "writingEvaluation": record.comment or "",
        "pf": int(record.channel),
        "serviceTime": served.served_at.astimezone(tz).strftime(_TIME_FORMAT),
        "assessTime": record.rated_at.astimezone(tz).strftime(_TIME_FORMAT),
        "windowNo": served.window,
        "staffNo": served.staff_no or "",
        "staffName": served.clerk_name or "",
        "deviceNo": record.device or "",
        "isFollowUp": int(record.follow_up),
        "isDefault": int(record.default),
        "isStruck": int(record.struck),
        "strikeReason": record.strike_reason or "",
    }
    for ours, theirs in _RATER_FIELDS.items():
        fields[theirs] = rater.get(ours, "")
    return fields


class ProvincialAdapter:
    """POSTs `{"records": [...]}` to the configured URL with `Authorization: Bearer <token>`.

    Any 2xx answer accepts the whole batch. Give it the server's ClientSession, or let it
    open its own (then `close` it).
    """

    def __init__(
        self,
        settings: UpstreamSettings,
        *,
        tz: dt.tzinfo,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self._settings = settings
        self._tz = tz
        self._session = session
        self._own_session = session is None
        self._timeout = aiohttp.ClientTimeout(total=settings.timeout)

    @property
    def name(self) -> str:
        return NAME

    async def send(self, batch: Sequence[UpstreamItem]) -> None:
        if not batch:
            return
        body = {"records": [provincial_record(item, self._tz) for item in batch]}
        headers = {"Authorization": f"Bearer {self._settings.token}"}
        if self._session is None:
            self._session = aiohttp.ClientSession()
        try:
            async with self._session.post(
                self._settings.url, json=body, headers=headers, timeout=self._timeout
            ) as answer:
                if not 200 <= answer.status < 300:
                    text = (await answer.text(errors="replace"))[:_ANSWER_SNIPPET]
                    raise UpstreamError(
                        f"{NAME}: {self._settings.url} answered {answer.status}: {text}"
                    )
        except (TimeoutError, aiohttp.ClientError) as exc:
            # aiohttp's time-out is a bare TimeoutError, whose text is empty
            reason = str(exc) or type(exc).__name__
            raise UpstreamError(f"{NAME}: cannot reach {self._settings.url}: {reason}") from exc

    async def close(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None
