"""Binding SQLAlchemy to the Flask app: one engine, one session per request (or CLI command)."""
from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from evidence_repo.db import make_engine, make_session_factory


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["db_engine"] = engine
    app.extensions["db_sessions"] = make_session_factory(engine)

    @app.teardown_appcontext
    def _close_session(_exc):
        db = g.pop("db_session", None)
        if db is not None:
            db.close()


def db() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions["db_sessions"]()
    return g.db_session
