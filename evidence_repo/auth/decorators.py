"""View guards built on :mod:`evidence_repo.policy`."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user

from evidence_repo.extensions import login_manager
from evidence_repo.policy import Person


def allowed_if(rule: Callable[[Person | None], bool]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Anonymous users are sent to sign in; signed-in users the rule refuses get a 403."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not rule(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
