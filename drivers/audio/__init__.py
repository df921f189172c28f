"""Audio output: the AudioOutput interface, a fake for tests and an ALSA (aplay) adapter."""
