from evidence_repo.accounts.models import User
from evidence_repo.db import db
from evidence_repo.extensions import login_manager


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    return db().get(User, int(user_id))
