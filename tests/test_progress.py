"""The progress bar of the long slotting steps."""

from __future__ import annotations

from optimizer.progress import Progress


def test_progress_bar_draws_only_when_asked() -> None:
    """Disabled bars write nothing; enabled ones draw and end the line."""
    import io

    quiet, loud = io.StringIO(), io.StringIO()
    for stream, enabled in ((quiet, False), (loud, True)):
        with Progress("work", total=2, enabled=enabled, stream=stream) as bar:
            bar.advance(2)
    assert quiet.getvalue() == ""
    assert "work [" in loud.getvalue() and "100%" in loud.getvalue()
    assert loud.getvalue().endswith("\n")
