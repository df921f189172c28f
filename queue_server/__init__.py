"""hallq queue server: the one writer of a hall's state, its journal, API and event stream."""
