"""What every request handler reaches: the hall service, the hub and the accounts."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from queue_server.accounts import AccountStore
from queue_server.hub import Hub
from queue_server.ratings.protect import RaterVault
from queue_server.service import HallService
from queue_server.store.eventlog import EventLog


@dataclass(frozen=True)
class Context:
    service: HallService
    hub: Hub
    accounts: AccountStore
    journal: EventLog
    id_secret: bytes  # keys the hash of citizens' ID numbers
    rating_secret: bytes  # keys the rating key printed in a ticket's QR code
    raters: RaterVault  # seals the identity of raters before it reaches the journal


CONTEXT = web.AppKey("context", Context)


def context(request: web.Request) -> Context:
    return request.app[CONTEXT]
