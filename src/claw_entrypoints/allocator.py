"""How many malloc arenas the server's threads may spread its memory over.

glibc gives each thread that allocates while another holds the main arena an arena
of its own, up to eight per core. The server's database calls run on a pool of
threads (``asyncio.to_thread``), so a burst of texts leaves several half-used
arenas behind: measured with ``make bench`` on SQLite, the peak resident set was
199 MB with glibc's default and 190 MB with two arenas, for the same throughput.
Two arenas is the usual setting for Python and Ruby services with thread pools.

An operator's own ``MALLOC_ARENA_MAX`` (read by glibc when the process starts)
always wins. Elsewhere than glibc this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

SERVER_ARENAS = 2
# glibc's <malloc.h>: the mallopt parameter that caps the number of arenas.
_M_ARENA_MAX = -8


def limit_malloc_arenas(arenas: int = SERVER_ARENAS) -> bool:
    """Cap glibc's arenas for threads started from now on; True when the cap was set.

    Call it before the server starts its threads: arenas already made stay.
    """
    if "MALLOC_ARENA_MAX" in os.environ:
        return False
    library = ctypes.util.find_library("c")
    if library is None:
        return False
    try:
        libc = ctypes.CDLL(library)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to tune
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_ARENA_MAX, arenas))
