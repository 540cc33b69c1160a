from functools import wraps

from flask import abort
from flask_login import current_user

from evidence_repo.extensions import login_manager


def role_required(*roles: str):
    """Anonymous users are sent to sign in; signed-in users without the role get a 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def can_see_restricted() -> bool:
    return bool(current_user.is_authenticated and current_user.has_role("admin", "staff", "committee"))
