"""Schemathesis hooks for fuzzing the service: a serializer for TOML layout uploads.

Used as ``SCHEMATHESIS_HOOKS=tests/service/schemathesis_hooks.py schemathesis run ...``
(see the README and ``make fuzz``).
"""

from __future__ import annotations

from typing import Any

import schemathesis


@schemathesis.serializer("application/toml")
def toml_text(ctx: schemathesis.SerializationContext, value: Any) -> bytes:
    """Generated strings are sent as they are; anything else as its text."""
    del ctx
    return value if isinstance(value, bytes) else str(value).encode("utf-8")
