"""Operations on the hall's other records: appointments checked in at kiosks, device health."""

from __future__ import annotations

from collections.abc import Mapping

from queue_server.web import requests as rq
from queue_server.web.auth import ISSUERS, SUPERVISORS
from queue_server.web.devices import DEVICES
from queue_server.web.openapi.operations import Op
from queue_server.web.openapi.schema import _array, _object, _ref

_APPOINTMENT = _object({"appointment": _ref("Appointment")})

RECORD_OPERATIONS: Mapping[tuple[str, str], Op] = {
    ("post", "/api/v1/appointments"): Op(
        "Book an appointment",
        "The hall's booking system (or a manager) records an appointment made ahead: its code "
        "(printed on the citizen's confirmation as a QR or barcode), the service and the slot. "
        "Sending the same booking again changes nothing.",
        tag="appointments",
        roles=SUPERVISORS,
        body=rq.BOOK,
        answer=_APPOINTMENT,
        status=201,
        errors=("unknown_service", "invalid_slot", "appointment_exists"),
        writes=True,
        extension=True,
    ),
    ("get", "/api/v1/appointments/{code}"): Op(
        "An appointment",
        "What a kiosk shows before check-in: the service, the slot, and the ticket if checked in.",
        tag="appointments",
        roles=ISSUERS,
        answer=_APPOINTMENT,
        errors=("unknown_appointment",),
        extension=True,
    ),
    ("post", "/api/v1/appointments/{code}/check-in"): Op(
        "Check in an appointment",
        "The holder arrives: a ticket with priority `appointment` (served first within its "
        "slot), answered like `POST /api/v1/tickets`. Walk-in quotas do not apply. The same "
        "`idempotency_key` from the same device gives the same ticket again.",
        tag="appointments",
        roles=ISSUERS,
        body=rq.CHECK_IN,
        answer=_ref("TicketView"),
        status=201,
        errors=(
            "unknown_appointment",
            "already_checked_in",
            "appointment_not_today",
            "hall_closed",
            "service_paused",
            "idempotency_key_reused",
        ),
        writes=True,
        extension=True,
    ),
    ("post", "/api/v1/devices/self/status"): Op(
        "Report a device part's condition",
        "A kiosk, board, pad or station reports one of its parts (`printer`, `scanner`, ...): "
        "`ok`, or what is wrong (`paper_low`, `paper_out`, `cover_open`, `offline`, ...). Only "
        "changes are journalled; they reach the console topic as `device.changed`.",
        tag="devices",
        roles=DEVICES,
        body=rq.DEVICE_REPORT,
        answer=_object({"device": _ref("DeviceHealth")}),
        writes=True,
        extension=True,
    ),
    ("get", "/api/v1/devices"): Op(
        "Device health",
        "Every part any device has reported, faults first.",
        tag="devices",
        roles=SUPERVISORS,
        answer=_object({"devices": _array(_ref("DeviceHealth"))}),
        extension=True,
    ),
}
