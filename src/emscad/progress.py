"""How long-running domain work reports progress without knowing who displays it."""

from __future__ import annotations

from collections.abc import Callable

# progress(stage, fraction): `stage` names the current step, `fraction` runs from 0.0 to 1.0
# within it. The CLI draws it as a Rich progress bar; tests and the server pass `no_progress`.
ProgressFn = Callable[[str, float], None]


def no_progress(stage: str, fraction: float) -> None:
    """Discard progress reports."""
