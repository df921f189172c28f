"""The window station agent: caller keypad, rating key pad and the touch rating pad page."""
