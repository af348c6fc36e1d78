"""Rewrite one section of RESULTS.md, leaving the others as they are."""

from __future__ import annotations

import os
import platform
import re
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def write_section(name: str, command: str, body: str) -> None:
    header = f"## {name}"
    section = (
        f"{header}\n\n`{command}` — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}\n\n"
        f"{body.strip()}\n"
    )
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(rf"^{re.escape(header)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = (
        pattern.sub(section + "\n", text)
        if pattern.search(text)
        else f"{text.rstrip()}\n\n{section}"
    )
    RESULTS.write_text(text.rstrip() + "\n")
