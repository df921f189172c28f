"""The hall configuration: read a TOML hall file once into checked, frozen dataclasses."""

from queue_server.config.loader import (
    ConfigError,
    builtin_hall_path,
    check_config_main,
    load_builtin_hall,
    load_hall,
    parse_hall,
)

__all__ = [
    "ConfigError",
    "builtin_hall_path",
    "check_config_main",
    "load_builtin_hall",
    "load_hall",
    "parse_hall",
]
