from evidence_repo.accounts.models import User
from evidence_repo.db import db
from evidence_repo.extensions import login_manager


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Session and remember-me cookies carry ``<id>.<session_version>``: an older version is signed out."""
    ident, _, version = user_id.partition(".")
    if not ident.isdigit() or not version.isdigit() or len(ident) > 18:
        return None
    user = db().get(User, int(ident))
    if user is None or user.session_version != int(version):
        return None
    return user
