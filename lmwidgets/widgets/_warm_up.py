"""Work a widget will soon need, done in the background once its first picture is shown.

A widget's first picture should not wait for what only a later choice needs (another
view's first compilation). A learner who makes that choice before the work is done simply
computes it, as without a warm-up; the results meet in the same caches.
"""

import atexit
import threading

# Joined at exit: a compilation cut off by the interpreter's end can crash the process.
_running = set()


def in_background(*calls):
    """Run ``calls`` one after another in a daemon thread; errors are left to the learner's
    own call, which raises them where they can be shown."""
    thread = threading.Thread(target=_run, args=(calls,), daemon=True, name="lmwidgets-warm-up")
    _running.add(thread)
    thread.start()
    return thread


def _run(calls):
    try:
        for call in calls:
            try:
                call()
            except Exception:  # noqa: BLE001, S112 - the learner's own call will show it
                continue
    finally:
        _running.discard(threading.current_thread())


@atexit.register
def _finish():
    for thread in list(_running):
        thread.join(timeout=60)
