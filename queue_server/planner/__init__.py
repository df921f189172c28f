"""Staffing: Erlang C and a discrete-event simulator over the real dispatch."""
