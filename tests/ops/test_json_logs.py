"""`hallq serve` with JSON logs: one object a line, access and journal lines, no secrets."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import re
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from crash.hall_process import JIANGBEI, HallProcess

from queue_server.logs import JsonFormatter, hide_secrets


def json_lines(text: str) -> list[dict[str, Any]]:
    """The JSON lines of a server log (the test harness adds its own `===` lines)."""
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


@pytest.mark.slow
async def test_a_server_logs_json_without_personal_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HALLQ_LOG_FORMAT", "json")
    server = HallProcess(tmp_path, JIANGBEI)
    token = await server.add_device("kiosk-1", "kiosk")
    await server.start()
    personal = {"id_number": "110101199003071234", "phone": "13800138000"}
    statuses: list[int] = []
    try:
        async with aiohttp.ClientSession() as http:
            headers = {"Authorization": f"Bearer {token}"}
            for body in ({"service": "social-insurance"}, {"service": "tax", **personal}):
                async with http.post(
                    f"{server.url}/api/v1/tickets", json=body, headers=headers
                ) as r:
                    statuses.append(r.status)
            async with http.ws_connect(f"{server.url}/ws?topics=board&token={token}") as ws:
                await ws.receive()
            # A body that is not in its declared encoding: 422, and the client's fault.
            garbled = {"Authorization": f"Bearer {token}", "Content-Encoding": "gzip"}
            async with http.post(f"{server.url}/api/v1/tickets", data=b"{}", headers=garbled) as r:
                statuses.append(r.status)
        assert statuses[-1] == 422
        # A request aiohttp cannot parse (a control character in a header): the client's fault.
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: hall\r\nX-Bad: a\x01b\r\n\r\n")
        try:
            assert b" 400 Bad Request\r\n" in await asyncio.wait_for(reader.read(), timeout=30)
        finally:
            writer.close()
            await writer.wait_closed()
    finally:
        await server.stop()
    text = server.log_path.read_text(encoding="utf-8")
    entries = json_lines(text)
    assert entries
    # Every log record is JSON; only the server's own printed notices are plain text.
    assert not re.search(r"^\d{4}-\d\d-\d\d .*(INFO|WARNING|ERROR)", text, re.MULTILINE)

    for entry in entries:
        assert {"time", "level", "logger", "message"} <= entry.keys()
        assert dt.datetime.fromisoformat(entry["time"]).utcoffset() is not None
    access = [e for e in entries if e["logger"] == "hallq.access"]
    tickets = [e for e in access if e["path"] == "/api/v1/tickets"]
    assert [(e["method"], e["status"]) for e in tickets] == [("POST", s) for s in statuses]
    assert statuses[0] == 201
    assert tickets[0]["duration_ms"] >= 0 and tickets[0]["request_id"]
    [stream] = [e for e in access if e["path"].startswith("/ws")]
    assert stream["path"] == "/ws?topics=board&token=[redacted]"
    journal = [e for e in entries if e["logger"] == "hallq.journal"]
    # The example hall's staffed windows have no clerk, so alerts are journalled as well.
    issued = [e for e in journal if e["event"] == "ticket.issued"]
    assert len(issued) == statuses.count(201) and issued[0]["seq"] >= 1
    malformed = [e for e in entries if e["logger"] == "aiohttp.server"]
    assert malformed, "the malformed requests were not logged"
    for entry in malformed:
        assert entry["level"] == "WARNING" and "exception" not in entry, entry
        assert entry["message"].startswith("refused a malformed request"), entry
    assert any("from 127.0.0.1: Invalid header value char" in e["message"] for e in malformed)
    assert any("content-encoding: gzip" in e["message"] for e in malformed)
    for secret in (token, *personal.values()):
        assert secret not in text


def test_fields_named_like_secrets_are_hidden() -> None:
    record = logging.makeLogRecord(
        {"name": "hallq", "levelno": 20, "levelname": "INFO", "msg": "login %s", "args": ("x",)}
    )
    record.password = "hunter2"
    record.phone = "13800138000"
    record.window = "3"
    entry = json.loads(JsonFormatter().format(record))
    assert entry["password"] == entry["phone"] == "[redacted]"
    assert entry["window"] == "3" and entry["message"] == "login x"


def test_secrets_in_query_strings_are_hidden() -> None:
    assert hide_secrets("/ws?token=abc&topics=board") == "/ws?token=[redacted]&topics=board"
    assert hide_secrets("/x?id_number=1101&a=1") == "/x?id_number=[redacted]&a=1"
    # A ticket's rating key, on the phone page's link and on its rating reads.
    assert hide_secrets("/t/A001-x?k=Zq9") == "/t/A001-x?k=[redacted]"
    assert hide_secrets("/api/v1/tickets/t1/rating?key=Zq9") == (
        "/api/v1/tickets/t1/rating?key=[redacted]"
    )
    assert hide_secrets("/api/v1/report?book=1&kind=day") == "/api/v1/report?book=1&kind=day"
    assert hide_secrets("/api/v1/tickets") == "/api/v1/tickets"
