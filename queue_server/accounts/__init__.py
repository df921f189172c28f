"""People, devices and their tokens: who may ask the queue server for what."""

from queue_server.accounts.audit import ACCESS_KINDS, AuditQuery, AuditTrail
from queue_server.accounts.passwords import (
    PasswordHasher,
    check_new_password,
    check_password,
    hash_token,
    new_token,
)
from queue_server.accounts.principal import (
    DEVICE_ROLES,
    PERSON_ROLES,
    WINDOW_BOUND_ROLES,
    AccountError,
    Principal,
    Role,
)
from queue_server.accounts.store import AccountStore, DeviceInfo, UserInfo
from queue_server.accounts.throttle import LoginRefused, ThrottlePolicy

__all__ = [
    "ACCESS_KINDS",
    "DEVICE_ROLES",
    "PERSON_ROLES",
    "WINDOW_BOUND_ROLES",
    "AccountError",
    "AccountStore",
    "AuditQuery",
    "AuditTrail",
    "DeviceInfo",
    "LoginRefused",
    "PasswordHasher",
    "Principal",
    "Role",
    "ThrottlePolicy",
    "UserInfo",
    "check_new_password",
    "check_password",
    "hash_token",
    "new_token",
]
