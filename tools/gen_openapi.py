"""Regenerate docs/openapi.json from the code: .venv/bin/python tools/gen_openapi.py."""

from pathlib import Path

from queue_server.web.openapi import render

TARGET = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"

if __name__ == "__main__":
    TARGET.write_text(render(), encoding="utf-8")
    print(f"wrote {TARGET}")
