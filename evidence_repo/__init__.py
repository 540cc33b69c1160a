"""evidence_repo: an open-government evidence repository."""
from evidence_repo.app import create_app

__all__ = ["create_app"]
