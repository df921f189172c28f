"""A running hall server: journal, accounts, service, hub and the web app on one socket."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import aiosqlite
from aiohttp import web

from queue_server.accounts import AccountStore
from queue_server.domain.hall import HallConfig
from queue_server.hub import Hub
from queue_server.service import HallService
from queue_server.store.database import open_database
from queue_server.store.sqlite_log import SqliteEventLog
from queue_server.web.app import create_app
from queue_server.web.context import Context
from queue_server.web.voice_routes import VOICE, load_voice

log = logging.getLogger(__name__)


class HallServer:
    """Starts everything in order (journal before socket) and stops it in reverse."""

    def __init__(
        self,
        config: HallConfig,
        db_path: str | Path,
        *,
        host: str = "127.0.0.1",
        port: int = 8080,
        clock: Callable[[], dt.datetime] | None = None,
        snapshot_every: int = 5_000,
        voice_pack: str | Path | None = None,
        build_voice_pack: bool = False,
    ) -> None:
        self.config = config
        self.db_path = Path(db_path)
        self.host = host
        self.port = port
        zone = ZoneInfo(config.timezone)
        self.clock = clock or (lambda: dt.datetime.now(zone))
        self.snapshot_every = snapshot_every
        # The boards' voice (docs/voice.md): None, or a pack that cannot load, serves none.
        self.voice_pack = Path(voice_pack) if voice_pack is not None else None
        self.build_voice_pack = build_voice_pack
        self.journal = SqliteEventLog(self.db_path)
        self.hub = Hub()
        self.service = HallService(
            config,
            self.journal,
            clock=self.clock,
            publish=self.hub.publish,
            snapshot_every=snapshot_every,
        )
        self._accounts_db: aiosqlite.Connection | None = None
        self._accounts: AccountStore | None = None
        self._runner: web.AppRunner | None = None

    @property
    def accounts(self) -> AccountStore:
        assert self._accounts is not None, "the server is not started"
        return self._accounts

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}"

    async def start(self) -> None:
        await self.journal.open()
        self._accounts_db = await open_database(self.db_path)
        self._accounts = AccountStore(self._accounts_db, clock=lambda: dt.datetime.now(dt.UTC))
        await self.service.start()
        self.hub.seed(self.service.replayed_messages(), self.service.last_seq)
        log.info(
            "hall %s rebuilt at seq %d (%d events replayed)",
            self.config.name,
            self.service.last_seq,
            self.service.replayed_events,
        )
        ctx = Context(
            service=self.service,
            hub=self.hub,
            accounts=self._accounts,
            journal=self.journal,
            id_secret=await self._accounts.secret("id-hash"),
        )
        app = create_app(ctx)
        voice = await asyncio.to_thread(
            load_voice, self.voice_pack, build_missing=self.build_voice_pack
        )
        if voice is not None:
            app[VOICE] = voice
        self._runner = web.AppRunner(app, shutdown_timeout=5, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        if self.port == 0:  # an ephemeral port, for tests: learn which one we got
            server = site._server
            assert server is not None and hasattr(server, "sockets")
            self.port = server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.service.stop()
        await self.journal.close()
        if self._accounts_db is not None:
            await self._accounts_db.close()
            self._accounts_db = None

    async def healthy(self) -> bool:
        """The watchdog's question: is the writer running, and does the database answer?"""
        if self._accounts_db is None or not self.service.running:
            return False
        async with self._accounts_db.execute("SELECT 1") as cursor:
            return await cursor.fetchone() == (1,)
