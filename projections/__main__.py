"""Headless runner for process managers: ``python -m projections [--catch-up-only] [NAME…]``.

The same as ``policytrail projections run`` without the progress display: settings
from ``POLICYTRAIL_*``, SIGTERM/SIGINT stop it cleanly, exit 1 on a poison event.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from typing import Any


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m projections", description=__doc__)
    parser.add_argument("names", nargs="*", help="projections to run (default: all)")
    parser.add_argument("--catch-up-only", action="store_true", help="exit once caught up")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    from application.app import PolicyTrail
    from projections.live import ProjectionService

    app = PolicyTrail()
    try:
        service = ProjectionService.from_app(app, args.names or None)

        def stop(*_: Any) -> None:
            service.stop_event.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        service.start(catch_up_only=args.catch_up_only)
        while service.alive:
            service.join(timeout=0.5)
        service.stop()
        for error in service.errors():
            print(f"error: {error}", file=sys.stderr)
        return 1 if service.errors() else 0
    finally:
        app.close()


if __name__ == "__main__":
    sys.exit(main())
