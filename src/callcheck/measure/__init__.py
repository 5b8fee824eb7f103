"""Measurements: how the agent speaks and how the two parties take turns.

`measure_call()` (in `call.py`) is the stage's entry point; `prosody` (levels,
rates, pauses) and `conversation` (turns, gaps, interruptions) are the pure
functions it is built from; `settings` holds their thresholds. The entry point
is imported on first use, so `callcheck.measure.settings` (read by the config)
stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from callcheck.measure.call import ConversationMetrics, Measurements, RoleMetrics, WindowMetrics, measure_call

__all__ = ["ConversationMetrics", "Measurements", "RoleMetrics", "WindowMetrics", "measure_call"]


def __getattr__(name: str):
    if name in __all__:
        from callcheck.measure import call

        return getattr(call, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
