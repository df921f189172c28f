"""Staffing: Erlang C and a discrete-event simulator over the real dispatch.

Import each part from its own module, not from here: `hallq serve` loads only the light
parts at start (the routes, the demand), and the simulator only where a plan runs."""
