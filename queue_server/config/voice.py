"""The hall file's [voice] section: announcement templates, the segment gap, speaker groups."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence

from display.voice.errors import TemplateError
from display.voice.script import DEFAULT_PHRASES, CallKind, Template
from queue_server.config.reader import Problems, Table, suggest
from queue_server.domain.hall import (
    DEFAULT_GAP_MS,
    Floor,
    SpeakerGroup,
    VoiceSettings,
    Window,
)

MAX_GAP_MS = 1000

Ident = Callable[[Table, str], str]


def read_voice(
    t: Table, floors: Sequence[Floor], windows: Sequence[Window], ident: Ident
) -> VoiceSettings:
    """Read [voice]; every check is made here, so each problem names its own key.

    `ident` reads an id as the other sections do (the hall's rules for ids in URLs).
    """
    phrases = tuple(p for p in t.strings("phrases") if p)
    vocabulary = (*DEFAULT_PHRASES, *phrases)
    gap_ms = t.integer("gap_ms", DEFAULT_GAP_MS, 0, MAX_GAP_MS)
    templates = _templates(t.table("templates"), vocabulary)
    seen = _Seen(floors, windows)
    speakers = tuple(
        _speaker(s, vocabulary, seen, ident) for s in t.tables("speakers", required=False)
    )
    t.close()
    return VoiceSettings(templates=templates, gap_ms=gap_ms, phrases=phrases, speakers=speakers)


def _templates(t: Table, vocabulary: Collection[str]) -> Mapping[str, str]:
    found: dict[str, str] = {}
    for kind in (k.value for k in CallKind):
        text = t.optional_text(kind)
        if text is None:
            continue
        try:
            Template.parse(text, vocabulary)
        except TemplateError as exc:
            t.problem(kind, str(exc))
            continue
        found[kind] = text
    t.close()
    return found


class _Seen:
    """The hall's floors and windows, and which speaker group took each id and window so far."""

    def __init__(self, floors: Sequence[Floor], windows: Sequence[Window]) -> None:
        self.floors = [f.id for f in floors if f.id]
        first: dict[str, Window] = {}
        for window in windows:  # a repeated window id is reported where it is repeated
            if window.id:
                first.setdefault(window.id, window)
        self.windows = list(first.values())
        self.ids: dict[str, str] = {}  # group id -> its path
        self.owner: dict[str, str] = {}  # window id -> "group 'x' (path)"

    def take(self, problems: Problems, path: str, window: str, group: str, group_path: str) -> None:
        if window in self.owner:
            problems.add(
                path,
                f"window {window!r} is already spoken by speaker group {self.owner[window]}; "
                "a window's calls are spoken by one group only",
            )
        else:
            self.owner[window] = f"{group!r} ({group_path})"


def _speaker(t: Table, vocabulary: Collection[str], seen: _Seen, ident: Ident) -> SpeakerGroup:
    group_id = ident(t, "id")
    if group_id in seen.ids:
        t.problem("id", f"{group_id!r} is already the id of {seen.ids[group_id]}")
    elif group_id:
        seen.ids[group_id] = t.path
    group_floors = t.strings("floors")
    listed = t.strings("windows")
    members: list[str] = []
    for index, floor in enumerate(group_floors):
        path = f"{t.key_path('floors')}[{index}]"
        if floor and floor not in seen.floors:
            t.problems.add(path, f"there is no floor {floor!r}{suggest(floor, seen.floors)}")
        for window in (w.id for w in seen.windows if floor and w.floor == floor):
            seen.take(t.problems, path, window, group_id, t.path)
            members.append(window)
    floor_of = {w.id: w.floor for w in seen.windows}
    for index, window in enumerate(listed):
        path = f"{t.key_path('windows')}[{index}]"
        if not window:
            continue
        if window not in floor_of:
            t.problems.add(path, f"there is no window {window!r}{suggest(window, floor_of)}")
        elif window in members:
            t.problems.add(path, f"{window!r} is already in this group")
        else:
            seen.take(t.problems, path, window, group_id, t.path)
            members.append(window)
    if not group_floors and not listed:
        t.problems.add(t.path, "lists no floors and no windows, so it would never speak")
    group = SpeakerGroup(
        id=group_id,
        name=t.text("name"),
        floors=tuple(f for f in group_floors if f),
        windows=tuple(members),
        templates=_templates(t.table("templates"), vocabulary),
        gap_ms=t.optional_integer("gap_ms", 0, MAX_GAP_MS),
    )
    t.close()
    return group
