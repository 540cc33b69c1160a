"""Login throttling: after repeated failures an account, or an address, is locked out for a while.

Failures are counted per account (the typed e-mail, whether or not it exists, so a lockout reveals nothing)
and per client address; reaching the limit within the window locks that key until the lockout ends. A
successful sign-in clears the account's count.

The counts live in the `limits` library's storage, the same one Flask-Limiter uses for the other per-address
limits (``EVIDENCE_REPO_RATELIMIT_STORAGE``): ``memory://`` keeps them in this process (one machine, one web
process), ``memcached://`` or ``redis://`` shares them between every web process of a scale-out deployment, so
N processes still allow only the configured number of attempts.
"""
from __future__ import annotations

import time

from limits import RateLimitItemPerSecond
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter


class LoginThrottle:
    def __init__(self, per_account: int = 5, per_address: int = 20, window: float = 900.0, lockout: float = 900.0,
                 storage: Storage | str = "memory://"):
        self.storage = storage_from_string(storage) if isinstance(storage, str) else storage
        self._limiter = FixedWindowRateLimiter(self.storage)
        seconds = max(1, round(window))
        self._failures = {"account": RateLimitItemPerSecond(per_account, seconds, namespace="login-failures"),
                          "address": RateLimitItemPerSecond(per_address, seconds, namespace="login-failures")}
        # A lock is one hit of a "1 per lockout" limit: locked while that window is used up.
        self._lock = RateLimitItemPerSecond(1, max(1, round(lockout)), namespace="login-lockout")

    def retry_after(self, account: str, address: str) -> float:
        """Seconds until ``account`` from ``address`` may try again; 0 when it may now."""
        waits = [0.0]
        for kind, value in (("account", account), ("address", address)):
            if not self._limiter.test(self._lock, kind, value):
                waits.append(self._limiter.get_window_stats(self._lock, kind, value).reset_time - time.time())
        return max(waits)

    def failed(self, account: str, address: str) -> None:
        for kind, value in (("account", account), ("address", address)):
            self._limiter.hit(self._failures[kind], kind, value)
            if not self._limiter.test(self._failures[kind], kind, value):  # this failure reached the limit
                self._limiter.hit(self._lock, kind, value)
                self._limiter.clear(self._failures[kind], kind, value)

    def succeeded(self, account: str) -> None:
        self._limiter.clear(self._failures["account"], "account", account)
