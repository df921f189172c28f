"""The server's logs: readable text for the console and journald, or one JSON object a line.

Text (the default) carries the server's own messages. JSON (`--log-format json` or
HALLQ_LOG_FORMAT=json) adds an access line for every request and a line for every journalled
change, for a log collector. Neither ever carries personal data: the access log writes the
path with its query values of secrets hidden, journal lines only the change's type and seq,
and fields named like a secret or a person's data are replaced before writing.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
import uuid
from collections.abc import Iterable
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.http_exceptions import BadHttpMessage

FORMATS = ("text", "json")
FORMAT_ENV = "HALLQ_LOG_FORMAT"
ACCESS = logging.getLogger("hallq.access")
JOURNAL = logging.getLogger("hallq.journal")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
HIDDEN = "[redacted]"

# Fields (and query parameters) whose values never reach a log.
SECRET_NAMES = frozenset(
    {"token", "password", "authorization", "cookie", "id_number", "phone", "secret", "set-cookie"}
)
# In a logged path, also a ticket's rating key (`/t/A001-…?k=`, `…/rating?key=`): whoever reads
# the log could otherwise rate that citizen's service.
_SECRET_IN_TEXT = re.compile(r"(?i)\b(token|password|id_number|phone|key|k)=[^&\s]*")
# Attributes every LogRecord has; anything else was passed in `extra=` and is written out.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


def hide_secrets(text: str) -> str:
    """`/ws?topics=board&token=abc` -> `/ws?topics=board&token=[redacted]`."""
    return _SECRET_IN_TEXT.sub(lambda m: f"{m.group(1)}={HIDDEN}", text)


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (ISO 8601 with offset), level, logger, message, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created)
            .astimezone()
            .isoformat("T", "milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": hide_secrets(record.getMessage()),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = HIDDEN if key.lower() in SECRET_NAMES else value
        if record.exc_info:
            entry["exception"] = hide_secrets(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def setup(log_format: str, stream: Any = None) -> None:
    """Send every log of this process to `stream` (stderr) in the chosen format."""
    if log_format not in FORMATS:
        raise ValueError(f"log format must be one of {', '.join(FORMATS)}, not {log_format!r}")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    server = logging.getLogger("aiohttp.server")
    if not any(isinstance(f, MalformedRequestsInOneLine) for f in server.filters):
        server.addFilter(MalformedRequestsInOneLine())
    detail = logging.INFO if log_format == "json" else logging.WARNING
    for logger in (ACCESS, JOURNAL):
        logger.setLevel(detail)


class MalformedRequestsInOneLine(logging.Filter):
    """aiohttp logs a request it could not parse (a bad header, a body it cannot decode) as an
    error with its traceback: that is the client's fault, not the server's, and anyone can send
    them. One warning line each, so they neither alarm the operator nor flood the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        refused = record.exc_info[1] if record.exc_info else None
        if isinstance(refused, BadHttpMessage | web.RequestPayloadError):
            detail = refused.message if isinstance(refused, BadHttpMessage) else str(refused)
            remote = record.args[0] if isinstance(record.args, tuple) and record.args else None
            record.msg = "refused a malformed request%s: %s"
            record.args = (f" from {remote}" if remote else "", " ".join(detail.split()))
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info = record.exc_text = None
        return True


class AccessLogger(AbstractAccessLogger):
    """One line per answered request: method, path (secrets hidden), status and duration."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            "%s %s %d",
            request.method,
            request.path,
            response.status,
            extra={
                "request_id": request.headers.get("X-Request-Id") or uuid.uuid4().hex[:16],
                "method": request.method,
                "path": hide_secrets(request.path_qs),
                "status": response.status,
                "duration_ms": round(time * 1000, 2),
                "remote": request.remote,
            },
        )

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)


def journal_written(changes: Iterable[tuple[int, str]]) -> None:
    """Log each journalled change by its seq and type, never its data."""
    if JOURNAL.isEnabledFor(logging.INFO):
        for seq, kind in changes:
            JOURNAL.info("journal %d %s", seq, kind, extra={"seq": seq, "event": kind})
