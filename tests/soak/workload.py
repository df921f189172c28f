"""A hall day's citizens, squeezed into minutes: when each comes, for what, how long it takes.

The shape follows the hall's own figures (the workload in the design notes): 5-8 % queue
before opening, 35-40 % come 09:00-11:00, about 25 % 14:30-16:00; the mix of matters of a
county hall; service times lognormal around each service's usual minutes.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from queue_server.domain.hall import HallConfig

# The day's arrivals: (start, end) in hours of the day, and the share of citizens then.
DAY_SHAPE = (
    (8.0, 8.5, 0.06),  # before opening
    (8.5, 9.0, 0.05),
    (9.0, 11.0, 0.37),
    (11.0, 12.0, 0.08),
    (14.0, 14.5, 0.06),
    (14.5, 16.0, 0.25),
    (16.0, 17.0, 0.13),
)
DAY_START, DAY_END = DAY_SHAPE[0][0], DAY_SHAPE[-1][1]

# Shares of the day's tickets by service (a county hall's mix, on the Jiangbei services).
MIX = {
    "social-insurance": 13,
    "medical-insurance": 12,
    "real-estate": 20,
    "household": 8,
    "exit-entry": 7,
    "company-registration": 3,
    "company-change": 4,
    "food-licence": 3,
    "tax": 10,
    "housing-fund": 5,
    "construction-permit": 2,
    "completion-filing": 1,
    "road-transport": 1,
    "vehicle-permit": 1,
    "consult": 5,
    "pickup": 3,
    "other-matters": 2,
}
ID_CARD_SHARE = 0.4  # citizens who put their ID card on the reader
GREEN_SHARE = 0.05  # 绿色通道, chosen by the kiosk's helper
SERVICE_TIME_CV = 0.8


@dataclass(frozen=True)
class Citizen:
    """One arrival: when (seconds into the run), what for, and at which kiosk."""

    at: float
    service: str
    kiosk: int
    id_number: str | None
    green: bool


def id_number(rng: random.Random) -> str:
    """A made-up 18-character resident ID: region, birth date, sequence, check digit."""
    body = f"500105{rng.randint(1940, 2006)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body += f"{rng.randint(0, 999):03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


def citizens(
    rng: random.Random, tickets: int, seconds: float, kiosks: int, services: set[str]
) -> list[Citizen]:
    """`tickets` arrivals spread over `seconds` as a hall day spreads them over its hours."""
    mix = {s: w for s, w in MIX.items() if s in services}
    names, weights = list(mix), list(mix.values())
    shares = [share for _, _, share in DAY_SHAPE]
    scale = seconds / (DAY_END - DAY_START)
    arrivals = []
    for _ in range(tickets):
        start, end, _ = rng.choices(DAY_SHAPE, weights=shares)[0]
        hour = rng.uniform(start, end)
        arrivals.append(
            Citizen(
                at=(hour - DAY_START) * scale,
                service=rng.choices(names, weights=weights)[0],
                kiosk=rng.randrange(kiosks),
                id_number=id_number(rng) if rng.random() < ID_CARD_SHARE else None,
                green=rng.random() < GREEN_SHARE,
            )
        )
    return sorted(arrivals, key=lambda c: c.at)


class ServiceTimes:
    """How long a clerk takes, in run seconds: lognormal around the service's usual time,
    scaled so that 30 windows serve the day's tickets within the run."""

    def __init__(self, config: HallConfig, tickets: int, seconds: float, windows: int) -> None:
        self.minutes = {s.id: s.mean_service_minutes for s in config.services}
        usual = sum(self.minutes.get(s, 5.0) * w for s, w in MIX.items()) / sum(MIX.values())
        # Half the windows' time busy: the queues stay short enough to drain at the end.
        self.scale = 0.5 * seconds * windows / (tickets * usual)

    def draw(self, rng: random.Random, service: str) -> float:
        mean = self.minutes.get(service, 5.0) * self.scale
        sigma = math.sqrt(math.log(1 + SERVICE_TIME_CV**2))
        return rng.lognormvariate(math.log(mean) - sigma**2 / 2, sigma)
