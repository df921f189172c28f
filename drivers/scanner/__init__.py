"""Barcode and QR scanners: the Scanner interface, an evdev (keyboard) adapter and two fakes."""
