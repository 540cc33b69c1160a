"""Login throttling: after repeated failures an account, or an address, is locked out for a while.

Failures are counted per account (the typed e-mail, whether or not it exists, so a lockout reveals nothing)
and per client address, in a sliding window; reaching the limit locks that key until the lockout ends. A
successful sign-in clears the account's count. Kept in this process's memory: a restart forgets it, and
each web process of a scale-out deployment counts on its own (N processes allow N times the attempts).
"""
from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field


@dataclass
class _Key:
    failures: deque[float] = field(default_factory=deque)
    locked_until: float = 0.0


class LoginThrottle:
    def __init__(self, per_account: int = 5, per_address: int = 20, window: float = 900.0, lockout: float = 900.0,
                 clock=time.monotonic):
        self.limits = {"account": per_account, "address": per_address}
        self.window, self.lockout, self.clock = window, lockout, clock
        self._keys: dict[tuple[str, str], _Key] = {}
        self._lock = threading.Lock()

    def retry_after(self, account: str, address: str) -> float:
        """Seconds until ``account`` from ``address`` may try again; 0 when it may now."""
        now = self.clock()
        with self._lock:
            waits = [k.locked_until - now for k in (self._keys.get(("account", account)),
                                                    self._keys.get(("address", address))) if k is not None]
        return max([0.0, *waits])

    def failed(self, account: str, address: str) -> None:
        now = self.clock()
        with self._lock:
            for kind, value in (("account", account), ("address", address)):
                key = self._keys.setdefault((kind, value), _Key())
                key.failures.append(now)
                while key.failures and key.failures[0] <= now - self.window:
                    key.failures.popleft()
                if len(key.failures) >= self.limits[kind]:
                    key.locked_until = now + self.lockout
                    key.failures.clear()
            if len(self._keys) > 100_000:  # forget idle keys so a spray of addresses cannot fill memory
                self._keys = {k: v for k, v in self._keys.items() if v.failures or v.locked_until > now}

    def succeeded(self, account: str) -> None:
        with self._lock:
            self._keys.pop(("account", account), None)
