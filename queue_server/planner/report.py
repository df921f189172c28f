"""Text tables of the planner's answers, for the terminal."""

from __future__ import annotations

from collections.abc import Sequence

from queue_server.planner.compare import Comparison
from queue_server.planner.demand import Demand
from queue_server.planner.recommend import Recommendation


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(str(cell).rjust(w) for cell, w in zip(row, widths, strict=True))
        for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def demand_text(demand: Demand) -> str:
    lines = [
        f"Demand: {demand.source}, {demand.per_day:.0f} tickets a day"
        + (f" (average of {demand.days} days)" if demand.days > 1 else "")
    ]
    lines += [f"  note: {note}" for note in demand.notes]
    return "\n".join(lines)


def recommendation_text(advice: Recommendation) -> str:
    target = advice.target
    header = [
        "hour",
        *(p.label for p in advice.pools),
        "mean",
        "p90",
        f"<={target.minutes:g}m",
        "met",
    ]
    rows = []
    for row in advice.hour_rows():
        waits = row["waits"]
        rows.append(
            [
                f"{row['hour']:02d}:00",
                *(f"{row['windows'][p.id]}/{len(p.windows)}" for p in advice.pools),
                f"{waits['mean']:.1f}",
                f"{waits['p90']:.1f}",
                f"{waits['within']:.0%}",
                "yes" if row["met"] else "NO",
            ]
        )
    result = advice.result
    lines = [
        f"Windows to open (open/in the pool) for {target.share:.0%} of citizens called within"
        f" {target.minutes:g} minutes; waits in minutes of the tickets taken in that hour:",
        "",
        table(header, rows),
        "",
        "Pools: "
        + "; ".join(
            f"{p.label} = {', '.join(p.services)}"
            + (f" (then {', '.join(p.overflow)})" if p.overflow else "")
            for p in advice.pools
        ),
        f"Window-hours: {advice.schedule.window_hours()} (Erlang C's first estimate: "
        f"{advice.first_estimate.window_hours()}); {advice.simulations} simulations of "
        f"{result.replications} days each.",
        f"The day: mean wait {result.overall.mean:.1f} min, p90 {result.overall.p90:.1f}, "
        f"{result.overall.within:.0%} within {target.minutes:g} min; "
        f"{result.unserved_per_day:.1f} unserved and {result.turned_away_per_day:.1f} turned "
        f"away a day; served until {result.overtime_minutes:.0f} min after closing.",
    ]
    if advice.unmet:
        lines.append(
            "Short even with every window open: "
            + ", ".join(f"{h:02d}:00 {p}" for h, p in advice.unmet)
        )
    return "\n".join(lines)


def comparison_text(comparison: Comparison) -> str:
    a, b = comparison.first, comparison.second
    return table(["", a.name, b.name], [list(r) for r in comparison.rows()])
