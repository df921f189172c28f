"""What the server spent its CPU on during a soak: py-spy's samples of every generation of the
server, summed up by function and by package.

py-spy writes one "raw" file per server generation (tests/crash/hall_process.py): a line per
distinct stack, `frame;frame;...;frame count`, each frame `function (file:line)`. The files
are merged into `samples.txt` in the same format, which speedscope and flamegraph.pl read,
and summed up here in plain text.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from crash.hall_process import PROFILE_RATE

_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")
# Where a frame's file lies, by its path as py-spy shortens it: the first match names it.
PACKAGES = (
    ("queue_server/domain/", "hallq: the domain core"),
    ("queue_server/store/", "hallq: the journal"),
    ("queue_server/web/", "hallq: the web app"),
    ("queue_server/", "hallq: the rest"),
    ("aiohttp/", "aiohttp"),
    ("aiosqlite/", "aiosqlite"),
    ("multidict/", "aiohttp"),
    ("yarl/", "aiohttp"),
    ("asyncio/", "asyncio"),
    ("json/", "json"),
    ("sqlite3/", "sqlite3"),
)


@dataclass
class Profile:
    """Samples summed over every stack: by the function running (self) and by every function
    on the stack (inclusive, counted once per stack)."""

    samples: int = 0
    own: Counter[str] = field(default_factory=Counter)
    inclusive: Counter[str] = field(default_factory=Counter)
    packages: Counter[str] = field(default_factory=Counter)
    stacks: Counter[str] = field(default_factory=Counter)

    def add(self, stack: str, count: int) -> None:
        frames = [_name(frame) for frame in stack.split(";") if frame]
        if not frames or count <= 0:
            return
        self.samples += count
        self.stacks[stack] += count
        self.own[frames[-1]] += count
        self.packages[_package(stack.split(";")[-1])] += count
        for name in set(frames):
            self.inclusive[name] += count

    def report(self, top: int = 25) -> str:
        if not self.samples:
            return "no samples: was py-spy allowed to attach (root or ptrace_scope 0)?"
        rate = f"{PROFILE_RATE} a second"
        lines = [f"{self.samples} samples of the server holding the GIL, {rate}", ""]
        lines += ["By package (where the CPU was when sampled):"]
        lines += [_share(n, self.samples, name) for name, n in self.packages.most_common()]
        lines += ["", f"Top {top} functions by own time:"]
        lines += [_share(n, self.samples, name) for name, n in self.own.most_common(top)]
        lines += ["", f"Top {top} functions by time under them (hallq's own):"]
        ours = [(name, n) for name, n in self.inclusive.most_common() if "queue_server/" in name]
        lines += [_share(n, self.samples, name) for name, n in ours[:top]]
        return "\n".join(lines)


def _name(frame: str) -> str:
    found = _FRAME.match(frame.strip())
    return f"{found['function']} ({found['file']})" if found else frame.strip()


def _package(frame: str) -> str:
    for prefix, package in PACKAGES:
        if prefix in frame:
            return package
    return "other"


def _share(count: int, total: int, name: str) -> str:
    return f"  {100 * count / total:5.1f}%  {name}"


def read_samples(folder: Path) -> Profile:
    """Every `server-*.txt` file py-spy wrote in `folder`, merged."""
    profile = Profile()
    for path in sorted(folder.glob("server-*.txt")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            stack, _, count = line.rpartition(" ")
            if stack and count.isdigit():
                profile.add(stack, int(count))
    return profile


def write_profile(folder: Path) -> str:
    """Merge the samples into `samples.txt`, write the summary to `profile.txt`; return it."""
    profile = read_samples(folder)
    merged = "".join(f"{stack} {n}\n" for stack, n in profile.stacks.most_common())
    (folder / "samples.txt").write_text(merged, encoding="utf-8")
    summary = profile.report()
    (folder / "profile.txt").write_text(summary + "\n", encoding="utf-8")
    return summary
