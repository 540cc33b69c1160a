"""Import and export of one plan file: create or update a plan by its slug, never touching another plan.

The rules (:func:`import_plan`):

* The plan is found by ``plan.slug``. A file without a slug creates a plan with the slug derived from its title;
  when a plan with that slug or that exact title already exists the import is refused and says which slug to
  write (to update it) — an import never guesses which plan a file means.
* Commitments are matched by slug (derived from the title when absent, skipping slugs of other plans'
  commitments); a slug that belongs to another plan's commitment is refused. Milestones are matched by number
  within their commitment; activities by ``id`` when the milestone's entries carry ids (``plan export`` writes
  them; an entry without id there is an unnamed-by-id activity of the same name, else a new one), otherwise by
  position; requirements by (activity, means).
* Whatever holds evidence is never removed or renumbered: an update that would remove a commitment, milestone or
  activity with evidence (a renumbered milestone is a removed one plus an added one), or, without ids, would
  give an activity with evidence another name, is refused, naming each one and its evidence count. Evidence
  points at its milestone and activity by id, and no import rewrites those ids, so evidence never moves.
* The changes (added / changed / removed, with before and after) are returned; ``dry_run`` stops there. A real
  import records them as public PlanChange rows with the reason (default "Importación del plan") plus one
  ``plan.imported`` row, and one audit record with the whole plan before and after. A file that changes nothing
  records nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from evidence_repo.audit import record
from evidence_repo.plan.changes import Change, activity_label, day, plain, record_changes
from evidence_repo.plan.document import (
    ActivityEntry,
    CommitmentEntry,
    MeansEntry,
    Member,
    MilestoneEntry,
    OgpValue,
    Person,
    PlanDocument,
    PlanFileError,
    PlanHeader,
    RequirementEntry,
)
from evidence_repo.plan.models import Activity, Commitment, Milestone, Plan, Requirement, VerificationMeans
from evidence_repo.plan.names import means_key
from evidence_repo.plan.operations import default_plan_slug, load_plan
from evidence_repo.plan.scope import EACH_ACTIVITY, default_scope
from evidence_repo.plan.slugs import candidates, slug_for

DEFAULT_REASON = "Importación del plan"

# Commitment header fields, in the file's order, as stored (the responsible person is spread over six columns).
HEADER_FIELDS = (
    "title", "branch", "status", "theme", "start_date", "end_date", "responsible_institution", "responsible_name",
    "responsible_position", "responsible_area", "contact_email", "contact_phone", "contact_extension",
    "government_bodies", "civil_society", "problem", "main_objective", "short_description", "ogp_values",
    "anti_corruption_relevance", "position",
)


@dataclass
class ImportResult:
    plan: str  # slug
    created: bool
    changes: list[Change] = field(default_factory=list)
    commitments: int = 0
    milestones: int = 0
    activities: int = 0
    requirements: int = 0
    means: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)


def header_values(entry: CommitmentEntry, position: int) -> dict[str, Any]:
    person = entry.responsible_person
    return dict(
        title=entry.title, branch=entry.branch, status=entry.status, theme=entry.theme,
        start_date=entry.start_date, end_date=entry.end_date, responsible_institution=entry.responsible_institution,
        responsible_name=person and person.name, responsible_position=person and person.position,
        responsible_area=person and person.area, contact_email=person and person.email,
        contact_phone=person and person.phone, contact_extension=person and person.extension,
        government_bodies=list(entry.government_bodies),
        civil_society=[m.model_dump() for m in entry.civil_society], problem=entry.problem,
        main_objective=entry.main_objective, short_description=entry.short_description,
        ogp_values=[v.model_dump() for v in entry.ogp_values],
        anti_corruption_relevance=entry.anti_corruption_relevance, position=position,
    )


class _Means:
    """The site-wide means catalogue as the file's names resolve to it. The catalogue only grows: an import adds
    means and aliases but never renames or removes one (other plans and their evidence use them too)."""

    def __init__(self, session: Session, document: PlanDocument):
        self.session = session
        self.catalogue = document.means_catalogue()
        self.file_aliases = {means_key(e.name): list(e.aliases) for e in document.verification_means}
        self.by_key: dict[str, VerificationMeans] = {}
        self.by_alias: dict[str, VerificationMeans] = {}
        for row in session.scalars(select(VerificationMeans).order_by(VerificationMeans.id)):
            self.by_key[row.key] = row
            for alias in row.aliases:
                self.by_alias.setdefault(means_key(alias), row)

    def canonical(self, name: str) -> str:
        return self.catalogue[means_key(name)]

    def row(self, name: str) -> VerificationMeans | None:
        for spelling in (self.canonical(name), name):
            key = means_key(spelling)
            found = self.by_key.get(key) or self.by_alias.get(key)
            if found is not None:
                return found
        return None

    def key(self, name: str) -> str:
        row = self.row(name)
        return row.key if row is not None else means_key(self.canonical(name))

    def display(self, name: str) -> str:
        row = self.row(name)
        return row.name if row is not None else self.canonical(name)

    def scope(self, r: RequirementEntry, *, on_activity: bool) -> str:
        return EACH_ACTIVITY if on_activity else (r.scope or default_scope(self.display(r.means)))

    def get_or_create(self, name: str) -> VerificationMeans:
        row = self.row(name)
        if row is None:
            canonical = self.canonical(name)
            row = VerificationMeans(canonical, self._new_aliases(canonical, []))
            self.session.add(row)
            self.by_key[row.key] = row
            for alias in row.aliases:
                self.by_alias.setdefault(means_key(alias), row)
        return row

    def _new_aliases(self, canonical: str, current: list[str]) -> list[str]:
        aliases = list(current)
        known = {means_key(a) for a in aliases} | {means_key(canonical)}
        for alias in self.file_aliases.get(means_key(canonical), []):
            key = means_key(alias)
            if key in known or key in self.by_key or key in self.by_alias:
                continue  # already known, or another means' spelling: never steal it
            aliases.append(alias)
            known.add(key)
        return aliases

    def add_aliases(self) -> None:
        """Aliases the file lists for means that already exist are added (never removed)."""
        for key in self.file_aliases:
            row = self.by_key.get(key)
            if row is None:
                continue
            aliases = self._new_aliases(row.name, list(row.aliases))
            if aliases != list(row.aliases):
                row.aliases = aliases
                for alias in aliases:
                    self.by_alias.setdefault(means_key(alias), row)


class _Sync:
    """Compares the file with one plan and, when ``apply`` is set, makes the plan match it.

    Run once without applying (to collect the changes and the refusals), then, if nothing was refused, once more
    applying: both runs take the same decisions because the first one changes nothing.
    """

    def __init__(self, session: Session, document: PlanDocument, slug: str, plan: Plan | None, means: _Means):
        self.session, self.document, self.slug, self.plan, self.means = session, document, slug, plan, means
        self.changes: list[Change] = []
        self.problems: list[str] = []
        self.apply = False
        self.evidence_by_milestone: dict[int, int] = {}
        self.evidence_by_activity: dict[int, int] = {}
        if plan is not None:
            self._count_evidence(plan)
        self.slugs = self._commitment_slugs()

    # -- reading ----------------------------------------------------------------------------------------------

    def _count_evidence(self, plan: Plan) -> None:
        from evidence_repo.evidence.models import Evidence

        mine = select(Milestone.id).join(Commitment).where(Commitment.plan_id == plan.id)
        self.evidence_by_milestone = dict(session_rows(self.session.execute(
            select(Evidence.milestone_id, func.count()).where(Evidence.milestone_id.in_(mine))
            .group_by(Evidence.milestone_id))))
        self.evidence_by_activity = dict(session_rows(self.session.execute(
            select(Evidence.activity_id, func.count())
            .where(Evidence.milestone_id.in_(mine), Evidence.activity_id.is_not(None))
            .group_by(Evidence.activity_id))))

    def _commitment_slugs(self) -> list[str]:
        """Each entry's slug: as written, or derived from its title, skipping other plans' commitments."""
        owners = {slug: (plan_id, title, plan_slug) for slug, plan_id, title, plan_slug in self.session.execute(
            select(Commitment.slug, Commitment.plan_id, Commitment.title, Plan.slug).join(Plan))}
        mine = self.plan.id if self.plan is not None else None
        entries = self.document.entries()
        for where, entry in entries:
            slug = entry.slug
            if slug is not None and slug in owners and owners[slug][0] != mine:
                _, title, plan_slug = owners[slug]
                self.problems.append(str(_l(
                    "%(where)s.slug: %(slug)r es el compromiso «%(title)s» del plan %(plan)r; un archivo sólo "
                    "cambia su propio plan. Elija otro slug.", where=where, slug=slug, title=_short(title),
                    plan=plan_slug)))
        claimed = {c.slug for _, c in entries if c.slug}
        slugs = []
        for _, entry in entries:
            slug = entry.slug or next(s for s in candidates(slug_for(entry.title))
                                      if s not in claimed and (s not in owners or owners[s][0] == mine))
            claimed.add(slug)
            slugs.append(slug)
        return slugs

    # -- the walk ---------------------------------------------------------------------------------------------

    def run(self, apply: bool) -> None:
        self.apply, self.changes = apply, []
        plan = self.plan
        header = self.document.plan
        if plan is None:
            self._note("plan.created", f"Plan creado: «{header.title}»",
                       after={"slug": self.slug, "title": header.title, "jurisdiction": header.jurisdiction,
                              "note": header.note, "archived": bool(header.archived)})
            if apply:
                plan = self.plan = Plan(slug=self.slug, title=header.title, jurisdiction=header.jurisdiction,
                                        note=header.note, archived=bool(header.archived))
                self.session.add(plan)
        else:
            self._plan_header(plan, header)
        existing = {c.slug: c for c in plan.commitments} if plan is not None else {}
        wanted = set(self.slugs)
        for slug, commitment in existing.items():
            if slug not in wanted:
                self._remove_commitment(commitment)
        for position, ((where, entry), slug) in enumerate(zip(self.document.entries(), self.slugs)):
            self._commitment(plan, where, entry, slug, position, existing.get(slug))

    def _plan_header(self, plan: Plan, header: PlanHeader) -> None:
        before = {k: getattr(plan, k) for k in ("title", "jurisdiction", "note")}
        after = {"title": header.title, "jurisdiction": header.jurisdiction, "note": header.note}
        changed = [k for k in before if before[k] != after[k]]
        if changed:
            names = {"title": "título", "jurisdiction": "jurisdicción", "note": "nota"}
            self._note("plan.changed", "Datos del plan cambiados: " + ", ".join(names[k] for k in changed),
                       before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
            if self.apply:
                for k in changed:
                    setattr(plan, k, after[k])
        if header.archived is not None and header.archived != plan.archived:
            kind = "plan.archived" if header.archived else "plan.unarchived"
            self._note(kind, "Plan archivado" if header.archived else "Plan visible de nuevo en la portada",
                       before={"archived": plan.archived}, after={"archived": header.archived})
            if self.apply:
                plan.archived = header.archived

    def _remove_commitment(self, commitment: Commitment) -> None:
        count = sum(self.evidence_by_milestone.get(m.id, 0) for m in commitment.milestones)
        if count:
            self.problems.append(str(_l(
                "commitments: el compromiso %(slug)r («%(title)s») no está en el archivo y sus metas tienen "
                "%(count)s evidencia(s); no puede quitarse", slug=commitment.slug, title=_short(commitment.title),
                count=count)))
            return
        self._note("commitment.removed", f"Compromiso quitado: «{_short(commitment.title)}»",
                   commitment=commitment.slug, before={"slug": commitment.slug, "title": commitment.title})
        if self.apply:
            self.session.delete(commitment)

    def _commitment(self, plan: Plan | None, where: str, entry: CommitmentEntry, slug: str, position: int,
                    commitment: Commitment | None) -> None:
        values = header_values(entry, position)
        quiet = commitment is None  # a new commitment is one change; its milestones are not listed one by one
        if commitment is None:
            self._note("commitment.added", f"Compromiso agregado: «{_short(entry.title)}» "
                       f"({len(entry.milestones)} metas)", commitment=slug,
                       after={"slug": slug, "title": entry.title, "milestones": len(entry.milestones)})
            if self.apply:
                assert plan is not None
                commitment = Commitment(plan=plan, slug=slug, **values)
                self.session.add(commitment)
        else:
            changed = [k for k in HEADER_FIELDS if getattr(commitment, k) != values[k]]
            if changed:
                self._note("commitment.changed", "Datos del compromiso cambiados: " + ", ".join(changed),
                           commitment=slug, before={k: getattr(commitment, k) for k in changed},
                           after={k: values[k] for k in changed})
                if self.apply:
                    for k in changed:
                        setattr(commitment, k, values[k])
        existing = {m.number: m for m in commitment.milestones} if commitment is not None else {}
        wanted = {m.number for m in entry.milestones}
        for number, milestone in existing.items():
            if number not in wanted:
                self._remove_milestone(slug, milestone)
        for i, m_entry in enumerate(entry.milestones):
            self._milestone(commitment, f"{where}.milestones[{i}]", slug, m_entry, existing.get(m_entry.number),
                            quiet)

    def _remove_milestone(self, slug: str, milestone: Milestone) -> None:
        count = self.evidence_by_milestone.get(milestone.id, 0)
        if count:
            self.problems.append(str(_l(
                "compromiso %(slug)r: la meta %(n)s («%(objective)s») no está en el archivo y tiene %(count)s "
                "evidencia(s); una meta con evidencia no puede quitarse ni renumerarse", slug=slug,
                n=milestone.number, objective=_short(milestone.objective), count=count)))
            return
        self._note("milestone.removed", f"Meta {milestone.number} quitada: «{_short(milestone.objective)}»",
                   commitment=slug, milestone=milestone.number,
                   before={"number": milestone.number, "objective": milestone.objective})
        if self.apply:
            self.session.delete(milestone)

    def _milestone(self, commitment: Commitment | None, where: str, slug: str, entry: MilestoneEntry,
                   milestone: Milestone | None, quiet: bool) -> None:
        n = entry.number
        if milestone is None:
            if not quiet:
                self._note("milestone.added", f"Meta {n} agregada: «{_short(entry.objective)}»", commitment=slug,
                           milestone=n, after={"number": n, "objective": entry.objective,
                                               "activities": len(entry.activities)})
            if self.apply:
                milestone = Milestone(commitment=commitment, number=n, objective=entry.objective,
                                      responsible=list(entry.responsible))
                self.session.add(milestone)
            quiet = True
        else:
            before = {"objective": milestone.objective, "responsible": list(milestone.responsible)}
            after = {"objective": entry.objective, "responsible": list(entry.responsible)}
            changed = [k for k in before if before[k] != after[k]]
            if changed:
                self._note("milestone.changed", f"Meta {n}: " + ", ".join(
                    {"objective": "objetivo", "responsible": "responsables"}[k] for k in changed),
                           commitment=slug, milestone=n, before={k: before[k] for k in changed},
                           after={k: after[k] for k in changed})
                if self.apply:
                    milestone.objective, milestone.responsible = entry.objective, list(entry.responsible)
        pairs = self._activities(where, slug, entry, milestone, quiet)
        self._requirements(slug, entry, milestone, pairs, quiet)

    def _activities(self, where: str, slug: str, entry: MilestoneEntry, milestone: Milestone | None,
                    quiet: bool) -> list[tuple[ActivityEntry, Activity | None]]:
        """Pair each entry with its activity (None: new), note the changes; returns the pairs in file order."""
        n = entry.number
        rows = sorted(milestone.activities, key=lambda a: a.position) if milestone is not None else []
        by_id = {a.id: a for a in rows}
        by_id_mode = any(a.id is not None for a in entry.activities)
        pairs: list[tuple[ActivityEntry, Activity | None]] = []
        if not rows:
            pairs = [(a, None) for a in entry.activities]
        elif by_id_mode:
            # Entries with an id are that activity; one without is an activity not named by any id and with the
            # same name (so importing the same file twice finds the activity the first import added), or a new one.
            unclaimed = [row for row in rows if row.id not in {a.id for a in entry.activities}]
            for k, a in enumerate(entry.activities):
                if a.id is not None and a.id not in by_id:
                    self.problems.append(str(_l(
                        "%(where)s.activities[%(k)s].id: la actividad %(id)s no es de la meta %(n)s de este "
                        "compromiso (quite el id para agregarla como nueva)", where=where, k=k, id=a.id, n=n)))
                if a.id is not None:
                    pairs.append((a, by_id.get(a.id)))
                    continue
                same = next((row for row in unclaimed if _fold(row.name) == _fold(a.name)), None)
                if same is not None:
                    unclaimed.remove(same)
                pairs.append((a, same))
        else:
            pairs = [(a, rows[k] if k < len(rows) else None) for k, a in enumerate(entry.activities)]
            for k, (a, row) in enumerate(pairs):
                count = self.evidence_by_activity.get(row.id, 0) if row is not None else 0
                if count and row is not None and row.name and _fold(row.name) != _fold(a.name):
                    self.problems.append(str(_l(
                        "%(where)s.activities[%(k)s]: la actividad «%(old)s» (id %(id)s) tiene %(count)s "
                        "evidencia(s); sin id en el archivo se la reconoce por su posición y aquí pasaría a "
                        "llamarse «%(new)s». Escriba su id (plan export lo incluye) para renombrarla o quitarla.",
                        where=where, k=k, old=row.name, id=row.id, count=count, new=a.name or "Por definir")))
        kept = {row.id for _, row in pairs if row is not None}
        for row in rows:
            if row.id in kept:
                continue
            count = self.evidence_by_activity.get(row.id, 0)
            if count:
                self.problems.append(str(_l(
                    "%(where)s: la actividad %(name)s (id %(id)s) de la meta %(n)s no está en el archivo y tiene "
                    "%(count)s evidencia(s); no puede quitarse", where=where, name=activity_label(row), id=row.id,
                    n=n, count=count)))
                continue
            if not quiet:
                self._note("activity.removed", f"Meta {n}: actividad {activity_label(row)} quitada",
                           commitment=slug, milestone=n,
                           before={"id": row.id, "name": row.name, "date": row.date})
            if self.apply:
                assert milestone is not None
                for r in [r for r in milestone.requirements if r.activity_id == row.id]:
                    milestone.requirements.remove(r)
                milestone.activities.remove(row)
        for position, (a, row) in enumerate(pairs):
            if row is None:
                if not quiet:
                    self._note("activity.added", f"Meta {n}: actividad {activity_label(None, a.name)} agregada "
                               f"({day(a.date)})", commitment=slug, milestone=n,
                               after={"name": a.name, "date": a.date,
                                      "requirements": [self.means.display(r.means) for r in a.requirements]})
                if self.apply:
                    assert milestone is not None
                    new = Activity(position=position, name=a.name, date=a.date, responsible=list(a.responsible))
                    milestone.activities.append(new)
                    pairs[position] = (a, new)
                continue
            if row.date != a.date:
                self._note("activity.date_changed", f"Meta {n}: fecha de {activity_label(row)}: "
                           f"{day(row.date)} → {day(a.date)}", commitment=slug, milestone=n,
                           before={"id": row.id, "name": row.name, "date": row.date},
                           after={"id": row.id, "name": a.name, "date": a.date})
                if self.apply:
                    row.date = a.date
            before = {"name": row.name, "responsible": list(row.responsible), "position": row.position}
            after = {"name": a.name, "responsible": list(a.responsible), "position": position}
            changed = [k for k in before if before[k] != after[k]]
            if changed:
                self._note("activity.changed", f"Meta {n}: actividad {activity_label(row)}: " + ", ".join(
                    {"name": "nombre", "responsible": "responsables", "position": "orden"}[k] for k in changed),
                           commitment=slug, milestone=n, before={"id": row.id, **{k: before[k] for k in changed}},
                           after={"id": row.id, **{k: after[k] for k in changed}})
                if self.apply:
                    row.name, row.responsible, row.position = a.name, list(a.responsible), position
        return pairs

    def _requirements(self, slug: str, entry: MilestoneEntry, milestone: Milestone | None,
                      pairs: list[tuple[ActivityEntry, Activity | None]], quiet: bool) -> None:
        """Requirements are matched by (activity, means); the file orders them within each place."""
        n = entry.number
        # (activity key, means key) → (entry, scope, activity); activity key None = the milestone itself,
        # ("new", k) = the k-th entry, a new activity (its requirements come with it, not as changes of their own)
        wanted: dict[tuple[Any, str], tuple[RequirementEntry, str, Activity | None]] = {}
        for r in entry.requirements:
            wanted[(None, self.means.key(r.means))] = (r, self.means.scope(r, on_activity=False), None)
        for k, (a, row) in enumerate(pairs):
            akey = row.id if row is not None and row.id is not None else ("new", k)
            for r in a.requirements:
                wanted[(akey, self.means.key(r.means))] = (r, EACH_ACTIVITY, row)
        kept_activities = {row.id for _, row in pairs if row is not None}
        current = sorted(milestone.requirements, key=lambda r: r.position) if milestone is not None else []
        existing = {(r.activity_id, r.means.key): r for r in current
                    if r.activity_id is None or r.activity_id in kept_activities}
        for key, old in existing.items():
            if key not in wanted:
                if not quiet:
                    self._note("requirement.removed", f"Meta {n}: ya no se exige «{old.means.name}»"
                               + _where_required(old.activity), commitment=slug, milestone=n,
                               before=_requirement_value(old.means.name, old.scope, old.activity))
                if self.apply:
                    assert milestone is not None
                    milestone.requirements.remove(old)
        for key, (r_entry, scope, row) in wanted.items():
            name = self.means.display(r_entry.means)
            found = existing.get(key)
            if found is None:
                if not quiet and not isinstance(key[0], tuple):
                    self._note("requirement.added", f"Meta {n}: se exige «{name}»" + _where_required(row)
                               + f" ({scope})", commitment=slug, milestone=n,
                               after=_requirement_value(name, scope, row))
            elif found.scope != scope:
                self._note("requirement.scope_changed", f"Meta {n}: «{name}»{_where_required(row)} pasa de "
                           f"{found.scope} a {scope}", commitment=slug, milestone=n,
                           before=_requirement_value(name, found.scope, row),
                           after=_requirement_value(name, scope, row))
        for place in dict.fromkeys(k[0] for k in existing):
            before = [k for k in existing if k[0] == place and k in wanted]
            after = [k for k in wanted if k[0] == place and k in existing]
            if before != after and not quiet:
                self._note("requirement.reordered", f"Meta {n}: cambió el orden de los medios exigidos"
                           + _where_required(existing[before[0]].activity), commitment=slug, milestone=n,
                           before={"requirements": [existing[k].means.name for k in before]},
                           after={"requirements": [existing[k].means.name for k in after]})
        if self.apply:
            assert milestone is not None
            for position, (key, (r_entry, scope, row)) in enumerate(wanted.items()):
                found = existing.get(key)
                if found is None:
                    milestone.requirements.append(Requirement(
                        activity=row, means=self.means.get_or_create(r_entry.means), scope=scope,
                        position=position))
                else:
                    found.scope, found.position = scope, position

    def _note(self, kind: str, summary: str, *, commitment: str | None = None, milestone: int | None = None,
              before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
        self.changes.append(Change(kind, summary, commitment, milestone, plain(before), plain(after)))


def session_rows(rows: Any) -> list[tuple[Any, Any]]:
    return [(a, b) for a, b in rows]


def _fold(text: str | None) -> str:
    return " ".join((text or "").casefold().split())


def _short(text: str, limit: int = 90) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def _where_required(activity: Activity | None) -> str:
    return f" en la actividad {activity_label(activity)}" if activity is not None else ""


def _requirement_value(means: str, scope: str, activity: Activity | None) -> dict[str, Any]:
    return {"means": means, "scope": scope, "activity": activity.name if activity is not None else None}


def _resolve_plan(session: Session, header: PlanHeader) -> tuple[str, Plan | None]:
    """The plan the file means: by its slug; without one, a new plan whose slug and title are both unused."""
    if header.slug:
        return header.slug, load_plan(session, header.slug)
    slug = slug_for(header.title)
    same = session.execute(select(Plan.slug, Plan.title).where((Plan.slug == slug) | (Plan.title == header.title))
                           .order_by(Plan.id)).first()
    if same is not None:
        raise PlanFileError([str(_l(
            "plan.slug: el archivo no dice qué plan es y ya existe el plan «%(title)s» (slug «%(slug)s»). Para "
            "actualizarlo, escriba «slug: %(slug)s» en plan; para crear otro plan, escriba un slug distinto.",
            title=_short(same.title), slug=same.slug))])
    return slug, None


def import_plan(session: Session, document: PlanDocument, *, dry_run: bool = False, reason: str | None = None,
                user_id: int | None = None) -> ImportResult:
    """Create the plan the file describes, or update it; see the module's docstring for the rules.

    Raises PlanFileError (nothing changed) when the update is refused. The caller commits.
    """
    slug, plan = _resolve_plan(session, document.plan)
    means = _Means(session, document)
    sync = _Sync(session, document, slug, plan, means)
    sync.run(apply=False)
    if sync.problems:
        raise PlanFileError(sync.problems)
    entries = document.all_commitments()
    result = ImportResult(
        plan=slug, created=plan is None, changes=sync.changes, commitments=len(entries),
        milestones=sum(len(c.milestones) for c in entries),
        activities=sum(len(m.activities) for c in entries for m in c.milestones),
        requirements=sum(len(r) for _, r in document.requirement_places()),
        means=len({means.key(r.means) for _, rs in document.requirement_places() for r in rs}),
    )
    if dry_run:
        return result
    if not sync.changes:
        means.add_aliases()
        session.flush()
        return result
    before = export_plan(session, slug).model_dump(mode="json") if plan is not None else None
    planned = [(c.kind, c.summary) for c in sync.changes]
    sync.run(apply=True)
    if [(c.kind, c.summary) for c in sync.changes] != planned:  # both runs take the same decisions
        raise RuntimeError("plan import: the changes applied differ from the changes planned")
    means.add_aliases()
    session.flush()
    session.expire_all()
    plan = load_plan(session, slug)
    assert plan is not None
    imported = Change("plan.imported", f"Plan importado: {result.count('added')} agregado(s), "
                      f"{result.count('changed')} cambiado(s), {result.count('removed')} quitado(s)",
                      after={"added": result.count("added"), "changed": result.count("changed"),
                             "removed": result.count("removed")})
    record_changes(session, plan, [imported, *sync.changes], (reason or "").strip() or DEFAULT_REASON)
    after = export_plan(session, slug).model_dump(mode="json")
    record(session, user_id, "plan.import", "plan", plan.id, before=before, after=after)
    return result


def export_plan(session: Session, slug: str | None = None) -> PlanDocument:
    """The plan as a file (the default plan when ``slug`` is None); importing it back changes nothing."""
    slug = slug or default_plan_slug(session)
    plan = load_plan(session, slug) if slug else None
    if plan is None:
        raise LookupError(str(_l("No existe el plan %(slug)r.", slug=slug)) if slug
                          else str(_l("No hay ningún plan cargado")))
    used: dict[int, VerificationMeans] = {}
    commitments = []
    for c in plan.commitments:
        for m in c.milestones:
            for r in m.requirements:
                used.setdefault(r.means.id, r.means)
        commitments.append(_commitment_entry(c))
    return PlanDocument(
        plan=PlanHeader(slug=plan.slug, title=plan.title, jurisdiction=plan.jurisdiction, note=plan.note,
                        archived=plan.archived),
        verification_means=[MeansEntry(name=m.name, aliases=list(m.aliases)) for _, m in sorted(used.items())],
        commitments=commitments,
    )


def _commitment_entry(c: Commitment) -> CommitmentEntry:
    person = None
    if c.responsible_name:
        person = Person(name=c.responsible_name, position=c.responsible_position, area=c.responsible_area,
                        email=c.contact_email, phone=c.contact_phone, extension=c.contact_extension)
    milestones = []
    for m in c.milestones:
        activities = [
            ActivityEntry(id=a.id, name=a.name, date=a.date, responsible=list(a.responsible),
                          requirements=[RequirementEntry(means=r.means.name) for r in m.requirements
                                        if r.activity_id == a.id])
            for a in m.activities
        ]
        milestones.append(MilestoneEntry(
            number=m.number, objective=m.objective, responsible=list(m.responsible),
            requirements=[RequirementEntry(means=r.means.name, scope=r.scope) for r in m.own_requirements],
            activities=activities,
        ))
    return CommitmentEntry(
        slug=c.slug, title=c.title, branch=c.branch, status=c.status, theme=c.theme, start_date=c.start_date,
        end_date=c.end_date, responsible_institution=c.responsible_institution, responsible_person=person,
        government_bodies=list(c.government_bodies), civil_society=[Member(**m) for m in c.civil_society],
        problem=c.problem, main_objective=c.main_objective, short_description=c.short_description,
        ogp_values=[OgpValue(**v) for v in c.ogp_values], anti_corruption_relevance=c.anti_corruption_relevance,
        milestones=milestones,
    )
