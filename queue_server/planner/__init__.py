"""Staffing: Erlang C and a discrete-event simulator over the real dispatch."""

from queue_server.planner.compare import Comparison, compare
from queue_server.planner.demand import Demand, ServiceDemand, demand_from_profile
from queue_server.planner.errors import PlannerError
from queue_server.planner.journal import demand_from_journal
from queue_server.planner.profile import Behaviour, Profile, ProfileError, load_profile
from queue_server.planner.recommend import Recommendation, Target, recommend
from queue_server.planner.schedule import Pool, Schedule, pools_of
from queue_server.planner.simulate import simulate
from queue_server.planner.stats import SimulationResult, WaitStats

__all__ = [
    "Behaviour",
    "Comparison",
    "Demand",
    "PlannerError",
    "Pool",
    "Profile",
    "ProfileError",
    "Recommendation",
    "Schedule",
    "ServiceDemand",
    "SimulationResult",
    "Target",
    "WaitStats",
    "compare",
    "demand_from_journal",
    "demand_from_profile",
    "load_profile",
    "pools_of",
    "recommend",
    "simulate",
]
