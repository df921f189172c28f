"""The voice announcer's errors: one base class, one subclass per way things go wrong."""

from __future__ import annotations


class VoiceError(Exception):
    """Base of every error raised by display.voice."""


class TemplateError(VoiceError):
    """An announcement template cannot be parsed or cannot be spoken with the pack's phrases."""


class ScriptError(VoiceError):
    """A call cannot be turned into an announcement (a number or window that cannot be read)."""


class PackError(VoiceError):
    """A voice pack on disk is unreadable, incomplete or mixes audio formats."""


class BuildError(VoiceError):
    """The default voice pack cannot be generated (a tool is missing or failed)."""


class AnnouncerFull(VoiceError):
    """The announcement queue is absurdly full: something upstream is flooding it."""
