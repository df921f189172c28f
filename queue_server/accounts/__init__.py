"""People, devices and their tokens: who may ask the queue server for what."""

from queue_server.accounts.passwords import PasswordHasher, check_password, hash_token, new_token
from queue_server.accounts.principal import (
    DEVICE_ROLES,
    PERSON_ROLES,
    WINDOW_BOUND_ROLES,
    AccountError,
    Principal,
    Role,
)
from queue_server.accounts.store import AccountStore, DeviceInfo, UserInfo

__all__ = [
    "DEVICE_ROLES",
    "PERSON_ROLES",
    "WINDOW_BOUND_ROLES",
    "AccountError",
    "AccountStore",
    "DeviceInfo",
    "PasswordHasher",
    "Principal",
    "Role",
    "UserInfo",
    "check_password",
    "hash_token",
    "new_token",
]
