"""The one place numba flags are set, so every kernel compiles the same way.

``cache=True`` keeps compiled kernels on disk, so only the first process on a
machine pays for compilation; ``nogil`` lets callers run kernels from
threads. Set ``NUMBA_DISABLE_JIT=1`` to run kernel bodies as Python (the
test suite does once, to keep them covered and debuggable).

Kernels compile lazily, each on its first call, so a command compiles (or
loads from the cache) only the kernels it runs; ``pickopt warmup`` compiles
all of them ahead (:func:`kernels` lists them).

Where the cache lives: numba writes it to ``__pycache__`` beside the sources.
When the package directory is not writable (a read-only install: a system
site-packages, a container image) and ``NUMBA_CACHE_DIR`` is not set, this
module sets ``NUMBA_CACHE_DIR`` to pickopt's user cache before numba reads
it: ``$PICKOPT_CACHE_DIR/numba`` if that variable is set (empty: leave numba
to its defaults), else ``$XDG_CACHE_HOME/pickopt/numba`` or
``~/.cache/pickopt/numba``. So a read-only install compiles once per user,
not once per process.

When the cache goes stale: numba checks a cached kernel against its own
source file only, so a kernel that calls (and inlines) a kernel of another
module keeps the old callee after that module changes, and computes with
it. :func:`forget_stale_kernels` guards against that at import: it keeps a
fingerprint of every source of the package beside the cache, and when the
sources changed it deletes the package's cached kernels, so each compiles
afresh once.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

__all__ = [
    "jit",
    "jit_borrowing",
    "enabled",
    "kernels",
    "on_disk",
    "user_cache_dir",
    "numba_cache_dir",
    "writable",
    "sources_stamp",
    "forget_stale_kernels",
]

F = TypeVar("F", bound=Callable[..., Any])

_PACKAGE = Path(__file__).resolve().parent


def user_cache_dir() -> Path | None:
    """pickopt's cache directory: ``$PICKOPT_CACHE_DIR`` if set (an empty value
    means no disk cache: None), else ``$XDG_CACHE_HOME/pickopt`` or
    ``~/.cache/pickopt``. The numba kernels of read-only installs and the exact
    DP's class tables (:func:`optimizer.routing.exact.states.machine`) go there."""
    chosen = os.environ.get("PICKOPT_CACHE_DIR")
    if chosen is not None:
        return Path(chosen) if chosen.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "pickopt"


def writable(directory: Path) -> bool:
    """True if files can be created in ``directory`` (made if missing).

    Tried, not read from the permission bits, as numba itself does: root
    writes to a read-only mode, and nobody writes to a read-only mount.
    """
    try:
        directory.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=directory).close()
    except OSError:
        return False
    return True


def numba_cache_dir() -> Path | None:
    """Where numba caches kernels: ``NUMBA_CACHE_DIR``, or None for the
    ``__pycache__`` folders beside the sources."""
    chosen = os.environ.get("NUMBA_CACHE_DIR", "").strip()
    return Path(chosen) if chosen else None


def _choose_cache_dir() -> None:
    """Point numba at the user cache if the package's ``__pycache__`` is read-only."""
    if numba_cache_dir() is not None or writable(_PACKAGE / "__pycache__"):
        return
    root = user_cache_dir()
    target = root / "numba" if root is not None else None
    if target is None or not writable(target):
        return  # numba falls back to its own user-wide cache, or compiles every time
    os.environ["NUMBA_CACHE_DIR"] = str(target)
    numba_config = sys.modules.get("numba.core.config")
    if numba_config is not None:  # numba was imported first: it has read the variable
        numba_config.CACHE_DIR = str(target)  # type: ignore[attr-defined]


def sources_stamp(package: Path = _PACKAGE) -> str:
    """A fingerprint of ``package``'s sources: the path, size and modification
    time of every ``.py`` file (what numba compares for one file, here for all).

    Examples
    --------
    >>> len(sources_stamp())
    40
    """
    return _stamp(package, sorted(package.rglob("*.py")))


def _stamp(package: Path, sources: list[Path]) -> str:
    digest = hashlib.sha1()
    for path in sources:
        info = path.stat()
        digest.update(f"{path.relative_to(package)}:{info.st_size}:{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _cache_dirs(sources: list[Path]) -> list[Path]:
    """The folders numba caches the kernels of ``sources`` in (top folder
    first): each source folder's ``__pycache__``, or its mirror under
    ``NUMBA_CACHE_DIR`` (named as numba's user-provided locator names it:
    folder name and a hash of its path)."""
    folders = sorted({path.parent for path in sources})
    root = numba_cache_dir()
    if root is None:
        return [folder / "__pycache__" for folder in folders]
    return [root / f"{f.name}_{hashlib.sha1(str(f).encode()).hexdigest()}" for f in folders]


def forget_stale_kernels(package: Path = _PACKAGE) -> bool:
    """Delete ``package``'s cached kernels if its sources changed since they
    were cached (see the module's notes); True if it deleted any.

    The fingerprint (:func:`sources_stamp`) is kept in the top folder's cache
    directory. Nothing happens where that directory is not writable (numba
    then caches elsewhere or not at all) or when the JIT is disabled.
    """
    if os.environ.get("NUMBA_DISABLE_JIT", "0") not in ("", "0"):
        return False
    sources = sorted(package.rglob("*.py"))  # listed once, for the stamp and the folders
    dirs = _cache_dirs(sources)
    stamp_file, stamp = dirs[0] / "pickopt-sources.stamp", _stamp(package, sources)
    try:
        if stamp_file.read_text() == stamp:
            return False
    except OSError:
        pass  # no stamp yet: whatever is cached may be stale
    if not writable(dirs[0]):
        return False
    stale = [p for d in dirs if d.is_dir() for p in d.iterdir() if p.suffix in (".nbi", ".nbc")]
    for path in stale:
        path.unlink(missing_ok=True)  # another process may have just deleted it
    stamp_file.write_text(stamp)
    return bool(stale)


_choose_cache_dir()
forget_stale_kernels()

import numba  # noqa: E402  (after the cache directory is chosen)

_KERNELS: list[Any] = []
# numba's option for its reference-counting runtime (private: not in its type stubs).
_COUNTED: dict[str, Any] = {"_nrt": True}
_BORROWING: dict[str, Any] = {"_nrt": False}


def jit(func: F) -> F:
    """Compile ``func`` with pickopt's numba flags, on its first call.

    Reference counting (numba's runtime, which arrays need to be allocated) is set
    on explicitly: a kernel called from a :func:`jit_borrowing` one would else
    inherit that one's setting, and fail to compile where it allocates."""
    kernel = numba.njit(cache=True, nogil=True, **_COUNTED)(func)
    _KERNELS.append(kernel)
    return cast(F, kernel)


def jit_borrowing(func: F) -> F:
    """:func:`jit` without reference counting, for small hot kernels that only read
    and write the arrays they are given: no allocation, no array returned or kept.

    numba counts a reference up and down (two atomic operations) for every array a
    kernel is given, each array of a tuple argument too; in the batching search's
    loop, where kernels take tuples of ~10 to ~40 arrays, that was a third of the
    time. The arrays stay alive: the caller holds them for the whole call."""
    kernel = numba.njit(cache=True, nogil=True, **_BORROWING)(func)
    _KERNELS.append(kernel)
    return cast(F, kernel)


def enabled() -> bool:
    """False if ``NUMBA_DISABLE_JIT`` is set: kernels run as Python."""
    return not getattr(numba.config, "DISABLE_JIT", False)


def kernels() -> list[Any]:
    """Every kernel defined so far (numba dispatchers), in definition order.

    Only kernels of imported modules are listed; ``signatures`` of a
    dispatcher says what it has compiled or loaded in this process, and
    ``stats`` its cache hits and misses.
    """
    return list(_KERNELS)


def on_disk(kernel: Any) -> bool:
    """True if ``kernel`` has an index file in the cache (compiled by some
    process before: a kernel called only from other kernels is not loaded
    when they are)."""
    cache_file = getattr(getattr(kernel, "_cache", None), "_cache_file", None)
    index = getattr(cache_file, "_index_path", None)  # numba's, not a public name
    return index is not None and os.path.exists(index)
