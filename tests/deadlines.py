"""How a test checks a time that is the behaviour itself ("a 503 within the timeout, not a hang").

The bound is what the code promises (a timeout it sets) with room for a loaded machine: CI with a
CPU-bound job beside it runs the same path several times slower than a quiet one. A bound that a
busy machine can miss would make a good change fail at random; how fast it really is, is `make
bench`'s figure (docs/performance.md), never a test's.
"""

from __future__ import annotations

# Seconds a loaded machine may add to any timed path (process wake-ups, a request's own work).
LOADED_MACHINE_S = 5.0


def within_promise(promised_s: float) -> float:
    """The bound for a behaviour promised within ``promised_s``: twice that, plus LOADED_MACHINE_S."""
    return 2 * promised_s + LOADED_MACHINE_S
