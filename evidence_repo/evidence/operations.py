"""Writing evidence: validate, store the bytes, record the row and its index task in one transaction.

Extraction and indexing happen later in the worker; nothing here waits for them.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import re
import unicodedata
from dataclasses import dataclass, field
from typing import IO

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from evidence_repo.accounts.models import User
from evidence_repo.audit import record
from evidence_repo.dates import parse_typed_date
from evidence_repo.db import MAX_INTEGER
from evidence_repo.errors import DomainError
from evidence_repo.evidence.indexing import queue_access_update
from evidence_repo.evidence.models import (
    Evidence,
    EvidenceFile,
    EvidenceReview,
    IndexTask,
    PublicVersion,
    Visibility,
)
from evidence_repo.evidence.public_copy import NoPublicCopy, store_public_copy
from evidence_repo.inputs import whole_number
from evidence_repo.plan.models import Activity, Commitment, Milestone, VerificationMeans
from evidence_repo.plan.operations import find_means
from evidence_repo.policy import Person, can_see_evidence
from indexer.extract import ALLOWED_MIME_TYPES, detect_mime
from storage import BlobStore, TooLarge

log = logging.getLogger(__name__)
MAX_TITLE = 300
MAX_NAME = 200


class EvidenceError(DomainError):
    """A refusal the user can act on; `field` names the form field, `status` the HTTP status."""

    def __init__(self, message: str | LazyString, field: str | None = None, status: int = 400):
        super().__init__(message, field)
        self.status = status
        self.problems: dict[str, str] | None = None  # every field's problem, when a whole form was checked


class DuplicateEvidence(EvidenceError):
    def __init__(self, evidence_id: int):
        super().__init__(_l("Este archivo ya existe como evidencia #%(id)s para esta meta y medio de verificación.",
                            id=evidence_id), "file", 409)
        self.evidence_id = evidence_id


@dataclass
class EvidenceInput:
    """What the uploader says about a file; strings as typed, validated by resolve()."""

    milestone: int | str | None
    means: str | None
    activity: int | str | None = None
    title: str | None = None
    date: str | dt.date | None = None
    description: str | None = None
    visibility: str | None = Visibility.public.value
    # Slug of the milestone's commitment; needed when the site holds more than one commitment (milestone numbers
    # repeat across commitments), so evidence never lands on another programme's milestone by accident.
    commitment: str | None = None


@dataclass
class Resolved:
    milestone: Milestone
    means: VerificationMeans
    activity: Activity | None
    title: str | None
    date: dt.date | None
    description: str | None
    visibility: str
    problems: dict[str, str] = field(default_factory=dict)


def accepted_types_text() -> str:
    labels = sorted(gettext(label) for label in set(ALLOWED_MIME_TYPES.values()) - {"Imagen HEIF"})
    return ", ".join(labels)


def safe_filename(name: str | None) -> str:
    """The last path component, without control characters, NFC, at most 200 characters, never empty."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().strip(".")
    if len(name) > MAX_NAME:
        stem, ext = os.path.splitext(name)
        ext = ext[:20]
        name = stem[: MAX_NAME - len(ext)] + ext
    return name or "archivo"


def title_from_filename(name: str) -> str:
    stem = os.path.splitext(name)[0] or name
    return re.sub(r"\s+", " ", re.sub(r"[_]+", " ", stem)).strip()[:MAX_TITLE] or "Evidencia"


def parse_date(value: str | dt.date | None, today: dt.date | None = None) -> dt.date | None:
    """A session date: as typed, not in the future, not implausibly old."""
    try:
        value = parse_typed_date(value)
    except ValueError as exc:
        raise EvidenceError(exc.args[0], "date") from None
    if value is None:
        return None
    today = today or dt.date.today()
    if value > today:
        raise EvidenceError(_l("La fecha de la sesión no puede estar en el futuro."), "date")
    if value.year < 1990:
        raise EvidenceError(_l("La fecha de la sesión es demasiado antigua; revise el año."), "date")
    return value


def resolve_commitment(session: Session, slug: str | None,
                       default_id: int | None = None) -> tuple[int | None, str | None]:
    """(commitment id, problem): the commitment named by ``slug``; without one, the only commitment, or
    ``default_id`` (the evidence's own, when editing); with several and neither, a problem naming the choices."""
    rows = session.execute(select(Commitment.id, Commitment.slug).order_by(Commitment.id)).all()
    slug = (slug or "").strip()
    choices = ", ".join(s for _, s in rows)
    if slug:
        found = next((i for i, s in rows if s == slug), None)
        if found is None:
            return None, str(_l("No existe el compromiso «%(slug)s». Elija uno de: %(choices)s.", slug=slug[:80],
                                choices=choices))
        return found, None
    if default_id is not None:
        return default_id, None
    if len(rows) == 1:
        return rows[0][0], None
    if not rows:
        return None, str(_l("No hay ningún plan cargado"))
    return None, str(_l("Hay varios compromisos: indique a cuál corresponde la evidencia (%(choices)s).",
                        choices=choices))


def resolve(session: Session, data: EvidenceInput, *, default_commitment_id: int | None = None) -> Resolved:
    """Validate every field at once, so a form can show all problems together."""
    problems: dict[str, str | LazyString] = {}
    milestone = means = activity = None
    commitment_id, problem = resolve_commitment(session, data.commitment, default_commitment_id)
    if problem:
        problems["commitment"] = problem
    number = str(data.milestone).strip() if data.milestone is not None else ""
    if not number:
        problems["milestone"] = _l("Elija la meta a la que corresponde la evidencia.")
    elif not number.isdigit():
        problems["milestone"] = _l("La meta «%(n)s» no es un número.", n=number[:20])
    elif int(number) > MAX_INTEGER:  # beyond any database integer: no such milestone (not an overflow error)
        problems["milestone"] = _l("No existe la meta %(n)s.", n=number[:20])
    elif commitment_id is not None:
        milestone = session.scalar(select(Milestone).where(Milestone.commitment_id == commitment_id,
                                                           Milestone.number == int(number)))
        if milestone is None:
            problems["milestone"] = _l("No existe la meta %(n)s.", n=int(number))
    means_name = (data.means or "").strip()
    if not means_name:
        problems["means"] = _l("Elija el medio de verificación.")
    else:
        means = find_means(session, means_name)
        if means is None:
            problems["means"] = _l("Medio de verificación desconocido: «%(means)s».", means=means_name[:80])
    raw_activity = str(data.activity).strip() if data.activity not in (None, "") else ""
    if raw_activity:
        activity_id = whole_number(raw_activity, 0, MAX_INTEGER)
        if activity_id is None:
            problems["activity"] = _l("La actividad no es válida.")
        else:
            activity = session.get(Activity, activity_id)
            if activity is None or (milestone is not None and activity.milestone_id != milestone.id):
                problems["activity"] = _l("La actividad elegida no pertenece a esa meta.")
    visibility = (data.visibility or Visibility.public.value).strip().lower()
    if visibility not in {v.value for v in Visibility}:
        problems["visibility"] = _l("La visibilidad debe ser «public» (pública) o «restricted» (restringida).")
    date = None
    try:
        date = parse_date(data.date)
    except EvidenceError as exc:
        problems["date"] = exc.message
    title = (data.title or "").strip() or None
    if title and len(title) > MAX_TITLE:
        problems["title"] = _l("El título no puede pasar de %(n)s caracteres.", n=MAX_TITLE)
    description = (data.description or "").strip() or None
    if description and len(description) > 10_000:
        problems["description"] = _l("La descripción es demasiado larga (máximo 10,000 caracteres).")
    if problems:
        first = next(iter(problems))
        error = EvidenceError(problems[first], first, 400)
        error.problems = {name: str(message) for name, message in problems.items()}  # in the current language
        raise error
    assert milestone is not None and means is not None  # no problems means both were found
    return Resolved(milestone, means, activity, title, date, description, visibility)


def _store(store: BlobStore, stream: IO[bytes], max_bytes: int | None):
    try:
        blob = store.put(stream, max_bytes=max_bytes)
    except TooLarge as exc:
        raise EvidenceError(
            _l("El archivo es demasiado grande: el máximo es %(mb)s MB.", mb=exc.limit // (1024 * 1024)), "file", 413
        ) from None
    if blob.size == 0:
        raise EvidenceError(_l("El archivo está vacío (0 bytes)."), "file")
    mime = detect_mime(blob.path)
    if mime not in ALLOWED_MIME_TYPES:
        if blob.created:
            store.refuse(blob.sha256)
        raise EvidenceError(
            _l("Tipo de archivo no admitido (%(mime)s). Se aceptan: %(types)s.", mime=mime,
               types=accepted_types_text()),
            "file", 415
        )
    return blob, mime


def public_copy_of(store: BlobStore, sha256: str, mime: str) -> str | None:
    """The SHA-256 of what the public downloads instead of these bytes (a photo without EXIF), or None."""
    try:
        return store_public_copy(store, sha256, mime)
    except NoPublicCopy:  # kept for staff; the public download tries again and answers 404 if it still fails
        log.warning("no metadata-free public copy of %s (%s)", sha256, mime, exc_info=True)
        return None


def find_duplicate(session: Session, sha256: str, milestone_id: int, means_id: int) -> int | None:
    return session.scalar(
        select(Evidence.id)
        .join(EvidenceFile, EvidenceFile.evidence_id == Evidence.id)
        .where(EvidenceFile.sha256 == sha256, Evidence.milestone_id == milestone_id, Evidence.means_id == means_id)
        .limit(1)
    )


def add_evidence(
    session: Session,
    store: BlobStore,
    stream: IO[bytes],
    filename: str | None,
    data: EvidenceInput,
    user: User | None,
    *,
    max_bytes: int | None = None,
) -> Evidence:
    """Validate, store the bytes, add the row and its index task. The caller commits."""
    resolved = resolve(session, data)
    blob, mime = _store(store, stream, max_bytes)
    duplicate = find_duplicate(session, blob.sha256, resolved.milestone.id, resolved.means.id)
    if duplicate is not None:
        raise DuplicateEvidence(duplicate)
    name = safe_filename(filename)
    evidence = Evidence(
        milestone=resolved.milestone, activity=resolved.activity, means=resolved.means,
        title=resolved.title or title_from_filename(name), description=resolved.description,
        session_date=resolved.date, visibility=resolved.visibility, uploaded_by=user,
    )
    evidence.files.append(
        EvidenceFile(version=1, sha256=blob.sha256, size=blob.size, mime_type=mime, original_name=name,
                     uploaded_by=user, public_sha256=public_copy_of(store, blob.sha256, mime))
    )
    session.add(evidence)
    session.flush()
    session.add(IndexTask(evidence_id=evidence.id))
    record(session, user.id if user else None, "evidence.create", "evidence", evidence.id,
           after=evidence_snapshot(evidence))
    return evidence


def replace_file(
    session: Session, store: BlobStore, evidence: Evidence, stream: IO[bytes], filename: str | None,
    user: User | None, *, max_bytes: int | None = None,
) -> EvidenceFile:
    """A new version; the previous bytes stay in the store and in the version list."""
    blob, mime = _store(store, stream, max_bytes)
    if blob.sha256 == evidence.current.sha256:
        raise EvidenceError(_l("El archivo es idéntico a la versión actual."), "file", 409)
    before = evidence_snapshot(evidence)
    version = EvidenceFile(
        version=evidence.current.version + 1, sha256=blob.sha256, size=blob.size, mime_type=mime,
        original_name=safe_filename(filename), uploaded_by=user, public_sha256=public_copy_of(store, blob.sha256, mime),
    )
    evidence.files.append(version)
    evidence.updated_at = dt.datetime.now(dt.UTC)
    session.flush()
    session.add(IndexTask(evidence_id=evidence.id))
    record(session, user.id if user else None, "evidence.replace_file", "evidence", evidence.id,
           before=before, after=evidence_snapshot(evidence))
    return version


def update_metadata(session: Session, evidence: Evidence, data: EvidenceInput, user: User | None) -> Evidence:
    """Without ``data.commitment`` the evidence stays in its own commitment (never moved by a milestone number)."""
    resolved = resolve(session, data, default_commitment_id=evidence.milestone.commitment_id)
    if resolved.milestone.id != evidence.milestone_id or resolved.means.id != evidence.means_id:
        duplicate = find_duplicate(session, evidence.current.sha256, resolved.milestone.id, resolved.means.id)
        if duplicate is not None and duplicate != evidence.id:
            raise DuplicateEvidence(duplicate)
    before = evidence_snapshot(evidence)
    evidence.milestone, evidence.means, evidence.activity = resolved.milestone, resolved.means, resolved.activity
    evidence.title = resolved.title or evidence.title
    evidence.description, evidence.session_date = resolved.description, resolved.date
    evidence.visibility = resolved.visibility
    session.flush()
    after = evidence_snapshot(evidence)
    if after != before:  # nothing to extract: applied before any queued extraction
        queue_access_update(session, evidence.id)
        record(session, user.id if user else None, "evidence.update", "evidence", evidence.id,
               before=before, after=after)
    return evidence


def restrict_visibility(session: Session, evidence: Evidence, user: User | None) -> bool:
    """Make ``evidence`` restricted (the one-click answer to a personal-data warning); False if it already was."""
    if not evidence.is_public:
        return False
    before = evidence_snapshot(evidence)
    evidence.visibility = Visibility.restricted.value
    session.flush()
    queue_access_update(session, evidence.id)  # out of public search before any queued extraction
    record(session, user.id if user else None, "evidence.update", "evidence", evidence.id,
           before=before, after=evidence_snapshot(evidence))
    return True


def publish_version(session: Session, evidence: Evidence, version: int, user: User | None, reason: str | None) -> None:
    """An admin makes an older version of public evidence downloadable by anyone, saying why (audited)."""
    reason = (reason or "").strip()
    if not reason:
        raise EvidenceError(_l("Indique el motivo para publicar esta versión."), "reason")
    f = next((f for f in evidence.files if f.version == version), None)
    if f is None:
        raise EvidenceError(_l("Esa versión no existe."), "version", 404)
    if f.published:
        return
    f.published = True
    record(session, user.id if user else None, "evidence.publish_version", "evidence", evidence.id,
           before={"version": version, "published": False},
           after={"version": version, "published": True, "sha256": f.sha256, "reason": reason[:2000]})


def evidence_snapshot(e: Evidence) -> dict:
    return {
        "milestone": e.milestone.number, "activity": e.activity_id, "means": e.means.name, "title": e.title,
        "description": e.description, "date": e.session_date.isoformat() if e.session_date else None,
        "visibility": e.visibility, "files": [{"version": f.version, "sha256": f.sha256} for f in e.files],
        **({"public_versions": [{"sha256": p.sha256, "file_name": p.original_name} for p in e.public_versions]}
           if e.public_versions else {}),
    }


def load_evidence(session: Session, evidence_id: int) -> Evidence | None:
    return session.scalar(
        select(Evidence).where(Evidence.id == evidence_id)
        .options(selectinload(Evidence.files), selectinload(Evidence.milestone), selectinload(Evidence.means),
                 selectinload(Evidence.public_versions),
                 selectinload(Evidence.reviews).selectinload(EvidenceReview.user))
    )


def load_visible_evidence(session: Session, evidence_id: int, viewer: Person | None) -> Evidence | None:
    """The evidence if ``viewer`` may see it: restricted evidence does not exist for others (None, as if missing)."""
    evidence = load_evidence(session, evidence_id)
    if evidence is None or not can_see_evidence(viewer, evidence):
        return None
    return evidence


def public_evidence_clause() -> ColumnElement[bool]:
    """:func:`policy.can_see_evidence` for the public, in SQL (tests/evidence/test_visibility_sql.py holds them
    equal): evidence not withdrawn that is public or has a versión pública (the public sees that version)."""
    return and_(Evidence.withdrawn_at.is_(None),
                or_(Evidence.visibility == Visibility.public.value, Evidence.public_versions.any()))


def list_evidence(session: Session, *, include_restricted: bool, page: int = 1, per_page: int = 20,
                  milestone_number: int | None = None, total: int | None = None,
                  commitment_id: int | None = None) -> tuple[list[Evidence], int]:
    """A page of evidence, newest first, in three queries (plus a count unless the caller knows the total).

    ``milestone_number`` is looked up in ``commitment_id`` (every commitment numbers its milestones from 1).
    """
    query = select(Evidence)
    if not include_restricted:
        query = query.where(public_evidence_clause())
    if milestone_number is not None or commitment_id is not None:
        query = query.join(Milestone, Milestone.id == Evidence.milestone_id)
    if milestone_number is not None:
        query = query.where(Milestone.number == milestone_number)
    if commitment_id is not None:
        query = query.where(Milestone.commitment_id == commitment_id)
    if total is None:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.options(joinedload(Evidence.milestone), joinedload(Evidence.means), joinedload(Evidence.activity),
                      selectinload(Evidence.files), selectinload(Evidence.reviews),
                      *(() if include_restricted
                        else (selectinload(Evidence.public_versions).defer(PublicVersion.text),)))
        .order_by(Evidence.created_at.desc(), Evidence.id.desc())
        .offset((page - 1) * per_page).limit(per_page)
    ).unique().all()
    return list(rows), total


