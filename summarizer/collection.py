"""Automatic garbage collection paused around work that makes no reference cycles.

Reading an export and analysing a window allocate hundreds of thousands of small objects that
hold no cycles: the collector finds nothing, yet each automatic pass walks the whole growing
heap again (decoding 100,000 messages: 0.34 s with it, 0.15 s without).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused_collection() -> Iterator[None]:
    """Pause automatic garbage collection for a block (restored as it was found)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
