"""Printed tickets: what goes on paper, the per-hall layout, the image and the ESC/POS job."""
