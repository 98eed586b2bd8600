"""Who may log in to the app, and how fast a wrong password may be tried again.

Holds the password check Gradio calls for every login; the users come from QA_USERS (app.py).
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

_NAMES_REMEMBERED = 10_000


@dataclass
class LoginGuard:
    """Gradio's `auth` callable: a right password lets a user in, unless that user is locked out.

    Each wrong password costs its caller `failure_delay_s`; `max_failures` wrong ones within
    `window_s` lock the user name out for `lockout_s`, right password or not. A probe of the app
    tried 300 wrong passwords in half a second; now that takes minutes and stops at five.
    """

    users: dict[str, str]
    max_failures: int = 5
    window_s: float = 300.0
    lockout_s: float = 60.0
    failure_delay_s: float = 0.5
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _failures: dict[str, list[float]] = field(default_factory=dict, repr=False)
    _locked_until: dict[str, float] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __call__(self, username: str, password: str) -> bool:
        now = self.clock()
        with self._lock:
            locked = self._locked_until.get(username, 0.0) > now
        # Compared even for an unknown name or a locked one, so the time taken tells nothing.
        expected = self.users.get(username, "")
        right = hmac.compare_digest(expected.encode(), password.encode()) and username in self.users
        if right and not locked:
            with self._lock:
                self._failures.pop(username, None)
            return True
        with self._lock:
            if len(self._failures) > _NAMES_REMEMBERED:
                # Made-up user names must not grow this without end: forget the stale ones.
                self._failures = {
                    n: ts for n, ts in self._failures.items() if ts and now - ts[-1] < self.window_s
                }
            recent = [t for t in self._failures.get(username, []) if now - t < self.window_s] + [now]
            self._failures[username] = recent
            if len(recent) >= self.max_failures:
                self._locked_until[username] = now + self.lockout_s
                self._failures[username] = []
        self.sleep(self.failure_delay_s)
        return False

    def locked(self, username: str) -> bool:
        with self._lock:
            return self._locked_until.get(username, 0.0) > self.clock()
