"""Cross-checks of a hall as read: unique ids and prefixes, references, every service served."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

from queue_server.config.reader import Problems, suggest
from queue_server.config.sections import Draft
from queue_server.domain.hall import HallConfig, Service, Window

# "" marks a value already reported as missing or malformed: the checks here pass over it


def check_draft(draft: Draft, problems: Problems) -> None:
    config, paths = draft.config, draft.paths
    floors = _unique(problems, paths["floors"], [f.id for f in config.floors], "id")
    fields = _unique(problems, paths["fields"], [f.id for f in config.fields], "id")
    services = _unique(problems, paths["services"], [s.id for s in config.services], "id")
    _unique(problems, paths["windows"], [w.id for w in config.windows], "id")
    _unique(problems, paths["services"], [s.prefix for s in config.services], "prefix")
    for path, service in zip(paths["services"], config.services, strict=True):
        _known(problems, f"{path}.field", service.field, fields, "field")
        _known(problems, f"{path}.floor", service.floor, floors, "floor")
        _route(problems, path, service, services)
    for path, window in zip(paths["windows"], config.windows, strict=True):
        _known(problems, f"{path}.floor", window.floor, floors, "floor")
        _window_services(problems, path, window, services)
    _served(problems, paths["services"], config)
    _second_language(problems, draft)


def _unique(problems: Problems, paths: Sequence[str], values: list[str], key: str) -> list[str]:
    """Report each repeated value at its second use; return the distinct values."""
    first: dict[str, str] = {}
    for path, value in zip(paths, values, strict=True):
        if value in first:
            problems.add(f"{path}.{key}", f"{value!r} is already the {key} of {first[value]}")
        elif value:
            first[value] = path
    return list(first)


def _known(problems: Problems, path: str, value: str, known: Collection[str], what: str) -> None:
    if value and value not in known:
        problems.add(path, f"there is no {what} {value!r}{suggest(value, known)}")


def _id_list(
    problems: Problems,
    path: str,
    ids: Iterable[str],
    known: Collection[str],
    refused: Mapping[str, str],
) -> None:
    """Check a list of service ids: each known, none twice, none of `refused` (id: reason)."""
    seen: set[str] = set()
    for index, value in enumerate(ids):
        entry = f"{path}[{index}]"
        if not value:
            continue
        if value in refused:
            problems.add(entry, f"{value!r} {refused[value]}")
        elif value in seen:
            problems.add(entry, f"{value!r} is listed twice")
        else:
            _known(problems, entry, value, known, "service")
        seen.add(value)


def _route(problems: Problems, path: str, service: Service, services: list[str]) -> None:
    refused = {service.id: "is this service itself"} if service.id else {}
    _id_list(problems, f"{path}.route", service.route, services, refused)


def _window_services(problems: Problems, path: str, window: Window, services: list[str]) -> None:
    _id_list(problems, f"{path}.services", window.services, services, {})
    # a primary service is already called first; as overflow too it would be called twice over
    primary = {s: "is already one of this window's services" for s in window.services if s}
    _id_list(problems, f"{path}.overflow", window.overflow, services, primary)


def _served(problems: Problems, paths: Sequence[str], config: HallConfig) -> None:
    served = {s for w in config.windows for s in (*w.services, *w.overflow)}
    for path, service in zip(paths, config.services, strict=True):
        if service.id and service.id not in served:
            problems.add(
                path,
                f"no window serves {service.id!r}, so its tickets could never be called; "
                "list it in some window's services or overflow",
            )


def _second_language(problems: Problems, draft: Draft) -> None:
    """Screens need the language of every *_alt text to pick its font and writing direction."""
    config, paths = draft.config, draft.paths
    if config.second_language:
        return
    alts = [
        ("hall.name_alt", config.name_alt),
        *(
            (f"{p}.label_alt", f.label_alt)
            for p, f in zip(paths["floors"], config.floors, strict=True)
        ),
        *(
            (f"{p}.name_alt", f.name_alt)
            for p, f in zip(paths["fields"], config.fields, strict=True)
        ),
        *(
            (f"{p}.name_alt", s.name_alt)
            for p, s in zip(paths["services"], config.services, strict=True)
        ),
    ]
    for path, alt in alts:
        if alt:
            problems.add(path, "needs hall.second_language to say which language it is in")
