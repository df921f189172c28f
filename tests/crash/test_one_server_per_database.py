"""One `hallq serve` per database: a second one on the same file refuses to start, and the
first one carries on issuing numbers nobody else gives."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp

from crash.hall_process import HALLQ, JIANGBEI, HallProcess, free_port


async def test_a_second_server_on_the_same_database_refuses_to_start(tmp_path: Path) -> None:
    server = HallProcess(tmp_path, JIANGBEI)
    token = await server.add_device("kiosk-1", "kiosk")
    await server.start()
    try:
        second = await asyncio.create_subprocess_exec(
            str(HALLQ),
            "serve",
            "--config",
            str(JIANGBEI),
            "--db",
            str(server.db),
            "--port",
            str(free_port()),
            "--open-all-hours",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await asyncio.wait_for(second.communicate(), timeout=60)
        assert second.returncode != 0, out.decode()
        assert "already served by another hallq server" in out.decode()
        async with aiohttp.ClientSession() as http:
            numbers = []
            for _ in range(2):
                async with http.post(
                    f"{server.url}/api/v1/tickets",
                    json={"service": "social-insurance"},
                    headers={"Authorization": f"Bearer {token}"},
                ) as response:
                    assert response.status == 201, await response.text()
                    numbers.append((await response.json())["ticket"]["number"])
        assert numbers == ["A001", "A002"]
    finally:
        await server.stop()
