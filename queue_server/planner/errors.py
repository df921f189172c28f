"""The planner's base error."""


class PlannerError(Exception):
    """Base of the planner's errors: demand, profiles, schedules that cannot be used."""
