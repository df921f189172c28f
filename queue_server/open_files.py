"""The server's limit on open files, raised at start: every client connection takes one.

A service started by systemd, or from a login shell, gets a soft limit of 1,024 open files.
A city hall has some 200 devices, each with a stream and an HTTP connection or two, and a
hall should have room for ten times that: past the limit, new connections are reset
without a word in the log. The soft limit may be raised up to the hard limit without
privileges (systemd's hard limit is 524,288; the unit asks for more with LimitNOFILE=).
"""

from __future__ import annotations

import logging
import resource
from dataclasses import dataclass

log = logging.getLogger(__name__)

# Room for ten times a city hall's devices, their connections, the journal and the logs.
WANTED = 65_536
# Below this many, the hall may run out: said in the log at every start.
ENOUGH = 4_096


@dataclass(frozen=True)
class FileLimit:
    before: int
    now: int

    @property
    def raised(self) -> bool:
        return self.now > self.before


def raise_limit(wanted: int = WANTED) -> FileLimit:
    """Raise the soft limit on open files towards `wanted`, as far as the hard limit allows;
    never lower it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return FileLimit(soft, soft)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target <= soft:
        return FileLimit(soft, soft)
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return FileLimit(soft, target)


def raise_and_report(wanted: int = WANTED) -> FileLimit:
    """`raise_limit`, said in the log; a limit still too low for a busy hall as a warning
    that says how to lift it."""
    limit = raise_limit(wanted)
    if limit.raised:
        log.info("open files: limit raised from %d to %d", limit.before, limit.now)
    if limit.now != resource.RLIM_INFINITY and limit.now < ENOUGH:
        log.warning(
            "open files: the limit is %d, so at most about %d devices can be connected at "
            "once (each stream and request is one); raise the hard limit, e.g. LimitNOFILE=%d "
            "in the systemd unit or `ulimit -Hn %d` before starting",
            limit.now,
            limit.now // 2,
            WANTED,
            WANTED,
        )
    return limit
