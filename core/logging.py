"""Logging set-up shared by the server, the agent and the demo."""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def setup_logging(level: str = "INFO") -> None:
    logging.basicConfig(level=level.upper(), format=FORMAT, datefmt="%Y-%m-%d %H:%M:%S")
    for noisy in ("pysnmp", "asyncio", "waitress.queue"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
