"""Keyboard-like input devices: the InputSource interface over evdev, a fake, keymaps, a finder."""
