"""Project-wide pytest configuration.

Lessons and solutions run under nbval in strict mode: every stored text output must
reproduce. Exercise notebooks carry no outputs (the learner writes the answers), so
for them nbval only checks that every cell runs, or raises where it is tagged
``raises-exception``.
"""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_collectstart(collector):
    path = getattr(collector, "path", None)
    if path is not None and path.suffix == ".ipynb" and "exercises" in path.parts:
        collector.compare_outputs = False


# ------------------------------------------------------------------ kernel start-up races
# jupyter_client picks a kernel's ports by opening and closing them, then starts the kernel,
# which opens them again; in between another process may take one (the tests also start
# Dask clusters, whose connections use ports from the same range), and the kernel dies at
# once: "Kernel died before replying to kernel_info" (jupyter/jupyter_client#154). nbval
# does not retry; a fresh start, with fresh ports, works.
KERNEL_START_ATTEMPTS = 3


def retry_kernel_start(start, attempts: int = KERNEL_START_ATTEMPTS):
    """Wrap nbval's ``start_new_kernel`` to try again when the kernel dies as it starts."""
    import functools
    import warnings

    @functools.wraps(start)
    def start_new_kernel(*args, **kwargs):
        for attempt in range(1, attempts + 1):
            try:
                return start(*args, **kwargs)
            except RuntimeError as err:
                if "Kernel died before replying" not in str(err) or attempt == attempts:
                    raise
                warnings.warn(f"kernel died as it started ({err}); starting it again",
                              RuntimeWarning, stacklevel=2)  # fmt: skip
        raise AssertionError("unreachable")  # pragma: no cover

    return start_new_kernel


try:
    import nbval.kernel
except ImportError:  # pragma: no cover - nbval is in the course's test environment
    pass
else:
    nbval.kernel.start_new_kernel = retry_kernel_start(nbval.kernel.start_new_kernel)
