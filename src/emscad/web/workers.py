"""Background work a server runs beside its requests: the alert outbox and the safety ticker."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from emscad.web.runtime import Runtime

log = logging.getLogger("emscad.workers")


def outbox(rt: Runtime) -> Callable[[], None]:
    """Deliver queued notifications (email, texts, console) with retries."""
    rt.outbox.start()
    return rt.outbox.stop


def safety_ticker(rt: Runtime) -> Callable[[], None]:
    """Every `EMSCAD_SAFETY_TICK_S`: escalate unacknowledged alarms, raise missed check-ins,
    and take lapsed orders and premise cautions off open incidents (or put on those that
    came into force)."""
    stopping = threading.Event()
    steps = (("safety tick", rt.safety.tick), ("caution expiry", rt.dispatch.expire_cautions))

    def run() -> None:
        while not stopping.wait(rt.settings.safety_tick_s):
            for name, step in steps:
                try:
                    step()
                except Exception:  # a busy database or a lost race: the next tick catches up
                    log.exception("%s failed", name)

    thread = threading.Thread(target=run, name="safety-ticker", daemon=True)
    thread.start()

    def stop() -> None:
        stopping.set()
        thread.join(10)

    return stop


STANDARD = (outbox, safety_ticker)
