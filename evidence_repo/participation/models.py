"""A citizen's observation or question, its moderation and its official answer.

The statuses live here, in one place: ``recibida`` (waiting for moderation, never public), ``publicada``
(accepted, waiting for an answer), ``respondida`` (public with its answer), ``rechazada`` (never public; the
reason is kept for the moderators). The citizen's e-mail is only for telling them of the answer: it is never
shown, exported or put in the audit trail.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from evidence_repo.accounts.models import User
from evidence_repo.db import Base, UTCDateTime, utcnow
from evidence_repo.evidence.models import Evidence
from evidence_repo.plan.models import Milestone

RECIBIDA, PUBLICADA, RESPONDIDA, RECHAZADA = "recibida", "publicada", "respondida", "rechazada"
STATUSES = (RECIBIDA, PUBLICADA, RESPONDIDA, RECHAZADA)
PUBLIC_STATUSES = (PUBLICADA, RESPONDIDA)
STATUS_LABELS = {RECIBIDA: _l("Recibida"), PUBLICADA: _l("Publicada"), RESPONDIDA: _l("Respondida"),
                 RECHAZADA: _l("Rechazada")}

MAX_TEXT = 2000
MAX_NAME = 120
MAX_ANSWER = 5000
MAX_REASON = 1000


class Observation(Base):
    __tablename__ = "observation"

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestone.id"), index=True)
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(String(MAX_NAME))
    email: Mapped[str | None] = mapped_column(String(320))  # private: only to notify the answer
    status: Mapped[str] = mapped_column(String(20), default=RECIBIDA, index=True)
    personal_data: Mapped[list] = mapped_column(default=list)  # kinds found by evidence.privacy.scan
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    rejection_reason: Mapped[str | None] = mapped_column(Text)  # for moderators only
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # first given: a correction keeps it
    answer_corrected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    milestone: Mapped[Milestone] = relationship()
    evidence: Mapped[Evidence | None] = relationship()
    moderated_by: Mapped[User | None] = relationship(foreign_keys=[moderated_by_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES
