"""A relay between an agent and the server that can swallow the server's answers, or put a
gateway's error in their place."""

from __future__ import annotations

import asyncio
import contextlib

PROXY_PAGE = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
BAD_GATEWAY = (
    b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\n"
    b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(PROXY_PAGE), PROXY_PAGE)
)


class Cutter:
    """A TCP relay between an agent and the server that can swallow the server's answers.

    Armed (`swallow`), it passes each request on but never the answer: the server acts, the
    agent hears nothing, as when the cable is pulled or the server dies right after journalling.
    With `bad_gateway` it answers 502 instead, as a reverse proxy does whose server went away
    after taking the request.
    """

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.swallow = False
        self.bad_gateway = False
        self.server: asyncio.Server | None = None
        self.writers: list[asyncio.StreamWriter] = []

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._relay, "127.0.0.1", 0)

    async def close(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in self.writers:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
        await self.server.wait_closed()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self.writers += [writer, up_writer]

        async def pump(
            source: asyncio.StreamReader, sink: asyncio.StreamWriter, answers: bool
        ) -> None:
            with contextlib.suppress(ConnectionError):
                while data := await source.read(65536):
                    if answers and self.bad_gateway:
                        writer.write(BAD_GATEWAY)
                        writer.close()
                        return
                    if answers and self.swallow:
                        writer.close()  # the kiosk's connection drops without an answer
                        return
                    sink.write(data)
                    await sink.drain()
            sink.close()

        await asyncio.gather(pump(reader, up_writer, False), pump(up_reader, writer, True))
