"""The plan file format (YAML or JSON): validated in full before anything touches the database.

A file describes ONE plan::

    format: evidence-repo/plan@2
    plan: {slug: plan-accion-local-jalisco-2019, title: …, jurisdiction: Jalisco, note: Sujeto a cambios}
    verification_means: [{name: Minuta, aliases: [Minutas]}, …]
    commitments:
      - slug: jalisco-apoyo-organizaciones-sociedad-civil
        title: …
        milestones:
          - number: 3
            requirements: [Informe de retroalimentación, {means: Minuta, scope: each_activity}]
            activities: [{id: 12, name: Reunión de seguimiento, date: 2019-10-17, requirements: [Convocatoria]}]

Slugs are optional (derived from the title when absent); activity ids are optional (``plan export`` writes them,
and an update then matches activities by id instead of by position). A requirement is a means name or
``{means, scope}``; see :mod:`evidence_repo.plan.scope` for the scopes and the default. Files of the first
format (``evidence-repo/plan@1``, one ``commitment:``) are still read, as a plan with one commitment.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import yaml
from flask_babel import lazy_gettext as _l
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    ValidationError,
    field_validator,
    model_serializer,
    model_validator,
)

from evidence_repo.dates import parse_typed_date
from evidence_repo.plan.names import means_key
from evidence_repo.plan.scope import EACH_ACTIVITY, SCOPES
from evidence_repo.plan.slugs import is_slug, slug_for

FORMAT = "evidence-repo/plan@2"
FORMATS = ("evidence-repo/plan@1", FORMAT)  # @1: one `commitment:`, plain requirement names, no slugs or ids
UNDEFINED = {"por definir", "pd", "tbd", ""}


class PlanFileError(ValueError):
    """A plan file that cannot be used; `problems` lists 'where: what' lines."""

    def __init__(self, problems: list[str]):
        self.problems = [str(p) for p in problems]  # lazy translations rendered now, in the current language
        super().__init__("\n".join(self.problems))


def _undefined_to_none(value: Any) -> Any:
    if isinstance(value, str) and value.strip().casefold() in UNDEFINED:
        return None
    return value


def _parse_date(value: Any) -> Any:
    value = _undefined_to_none(value)
    if isinstance(value, str):
        try:
            return parse_typed_date(value)
        except ValueError:
            raise ValueError(_l("fecha inválida %(value)r: use AAAA-MM-DD, DD/MM/AAAA o «Por definir»",
                                value=value)) from None
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def _title(value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError(_l("falta el título"))
    return value


def _slug(value: str) -> str:
    if not is_slug(value):
        raise ValueError(_l("slug inválido %(value)r: use minúsculas sin acentos, dígitos y guiones, hasta 80 "
                            "caracteres (por ejemplo %(example)r)", value=value, example=slug_for(value)))
    return value


def _scope(value: Any) -> Any:
    if value is not None and value not in SCOPES:
        raise ValueError(_l("alcance desconocido %(value)r; use %(choices)s", value=value,
                            choices=" o ".join(SCOPES)))
    return value


OptionalDate = Annotated[dt.date | None, BeforeValidator(_parse_date)]
OptionalText = Annotated[str | None, BeforeValidator(_undefined_to_none)]
Text = Annotated[str, Field(min_length=1)]
Title = Annotated[str, BeforeValidator(_title)]
Slug = Annotated[str, AfterValidator(_slug)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class MeansEntry(Strict):
    name: Text
    aliases: list[Text] = []


class Person(Strict):
    name: Text
    position: str | None = None
    area: str | None = None
    email: str | None = None
    phone: str | None = None
    extension: str | None = None

    @field_validator("phone", "extension", mode="before")
    @classmethod
    def _as_text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) else v


class Member(Strict):
    name: Text
    organization: str | None = None


class OgpValue(Strict):
    name: Text
    description: str | None = None


class RequirementEntry(Strict):
    """A required means; in the file a plain name (scope by default) or ``{means: …, scope: …}``."""

    means: Text
    scope: Annotated[str | None, BeforeValidator(_scope)] = None

    @model_validator(mode="before")
    @classmethod
    def _plain_name(cls, value: Any) -> Any:
        return {"means": value} if isinstance(value, str) else value

    @model_serializer(mode="wrap")
    def _as_name_when_default(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
        return self.means if self.scope is None else handler(self)


class ActivityEntry(Strict):
    id: int | None = Field(default=None, ge=1)  # the activity's id in the database (written by `plan export`)
    name: OptionalText = None
    date: OptionalDate = None
    responsible: list[Text] = []
    requirements: list[RequirementEntry] = []

    @model_validator(mode="after")
    def _activity_scope(self) -> ActivityEntry:
        wrong = [r.means for r in self.requirements if r.scope not in (None, EACH_ACTIVITY)]
        if wrong:
            raise ValueError(_l("los requisitos de una actividad son de esa actividad (scope each_activity); "
                                "para exigir %(means)s una vez por meta, póngalo en los requisitos de la meta",
                                means=", ".join(repr(m) for m in wrong)))
        return self

    @model_serializer(mode="wrap")
    def _without_empty_id(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
        data = handler(self)
        if isinstance(data, dict) and data.get("id") is None:
            data.pop("id", None)
        return data


class MilestoneEntry(Strict):
    number: int = Field(ge=1)
    objective: Text
    responsible: list[Text] = []
    requirements: list[RequirementEntry] = []
    activities: list[ActivityEntry] = []

    @model_validator(mode="after")
    def _unique_activity_ids(self) -> MilestoneEntry:
        ids = [a.id for a in self.activities if a.id is not None]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(_l("ids de actividad repetidos: %(ids)s", ids=duplicates))
        return self


class CommitmentEntry(Strict):
    slug: Slug | None = None
    title: Title
    branch: str | None = None
    status: str | None = None
    theme: str | None = None
    start_date: OptionalDate = None
    end_date: OptionalDate = None
    responsible_institution: str | None = None
    responsible_person: Person | None = None
    government_bodies: list[Text] = []
    civil_society: list[Member] = []
    problem: str | None = None
    main_objective: str | None = None
    short_description: str | None = None
    ogp_values: list[OgpValue] = []
    anti_corruption_relevance: str | None = None
    milestones: list[MilestoneEntry] = Field(min_length=1)

    @model_validator(mode="after")
    def _dates_in_order(self) -> CommitmentEntry:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError(_l("end_date es anterior a start_date"))
        numbers = [m.number for m in self.milestones]
        duplicates = sorted({n for n in numbers if numbers.count(n) > 1})
        if duplicates:
            raise ValueError(_l("números de meta repetidos: %(numbers)s", numbers=duplicates))
        return self


class PlanHeader(Strict):
    slug: Slug | None = None
    title: Title
    jurisdiction: str | None = None
    note: str | None = None
    archived: bool | None = None  # None: leave the plan as it is


class PlanDocument(Strict):
    format: str = FORMAT
    plan: PlanHeader
    verification_means: list[MeansEntry] = []
    commitments: list[CommitmentEntry] = []
    commitment: CommitmentEntry | None = None  # the first format's single commitment

    @field_validator("format")
    @classmethod
    def _known_format(cls, v: str) -> str:
        if v not in FORMATS:
            raise ValueError(_l("formato desconocido %(found)r; se espera %(expected)r", found=v, expected=FORMAT))
        return v

    @model_validator(mode="after")
    def _one_list_of_commitments(self) -> PlanDocument:
        if self.commitment is not None and self.commitments:
            raise ValueError(_l("use commitments (una lista) o, en archivos antiguos, commitment; no ambos"))
        if self.commitment is None and not self.commitments:
            raise ValueError(_l("commitments: el plan necesita al menos un compromiso"))
        slugs = [c.slug for c in self.commitments if c.slug]
        duplicates = sorted({s for s in slugs if slugs.count(s) > 1})
        if duplicates:
            raise ValueError(_l("commitments: slugs de compromiso repetidos: %(slugs)s", slugs=", ".join(duplicates)))
        return self

    @model_validator(mode="after")
    def _requirements_are_catalogued(self) -> PlanDocument:
        """With a catalogue present, an unknown name is a typo, not a new kind of evidence; no means twice."""
        known = {means_key(s) for e in self.verification_means for s in [e.name, *e.aliases]}
        catalogue = self.means_catalogue()
        problems = []
        for where, requirements in self.requirement_places():
            seen: set[str] = set()
            for j, r in enumerate(requirements):
                if self.verification_means and means_key(r.means) not in known:
                    problems.append(str(_l("%(where)s: medio de verificación desconocido %(name)r (no está en "
                                           "verification_means)", where=f"{where}[{j}]", name=r.means)))
                    continue
                canonical = catalogue[means_key(r.means)]
                if canonical in seen:
                    problems.append(str(_l("%(where)s: %(name)r se exige dos veces en el mismo lugar",
                                           where=f"{where}[{j}]", name=r.means)))
                seen.add(canonical)
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def entries(self) -> list[tuple[str, CommitmentEntry]]:
        """(place in the file, commitment): ``commitments[0]``…, or ``commitment`` in a first-format file."""
        if self.commitment is not None:
            return [("commitment", self.commitment)]
        return [(f"commitments[{i}]", c) for i, c in enumerate(self.commitments)]

    def all_commitments(self) -> list[CommitmentEntry]:
        return [c for _, c in self.entries()]

    def requirement_places(self) -> list[tuple[str, list[RequirementEntry]]]:
        places = []
        for where, commitment in self.entries():
            for i, milestone in enumerate(commitment.milestones):
                places.append((f"{where}.milestones[{i}].requirements", milestone.requirements))
                places += [(f"{where}.milestones[{i}].activities[{k}].requirements", a.requirements)
                           for k, a in enumerate(milestone.activities)]
        return places

    def means_catalogue(self) -> dict[str, str]:
        """Every spelling (folded) -> canonical name; names used in requirements but not listed become means."""
        catalogue: dict[str, str] = {}
        for entry in self.verification_means:
            for spelling in [entry.name, *entry.aliases]:
                catalogue.setdefault(means_key(spelling), entry.name)
        for _, requirements in self.requirement_places():
            for r in requirements:
                catalogue.setdefault(means_key(r.means), r.means)
        return catalogue

    def milestone_count(self) -> int:
        return sum(len(c.milestones) for c in self.all_commitments())


def _location(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or str(_l("(raíz)"))


def parse_plan(data: Any) -> PlanDocument:
    if not isinstance(data, dict):
        raise PlanFileError([str(_l("(raíz): el archivo debe contener un objeto con las claves plan y commitments"))])
    try:
        return PlanDocument.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            message = err["msg"].removeprefix("Value error, ")
            if err["loc"]:
                problems.append(f"{_location(err['loc'])}: {message}")
            else:
                problems.extend(message.splitlines())
        raise PlanFileError(problems) from None


def load_plan_file(path: str | Path) -> PlanDocument:
    """Read a YAML or JSON plan file; syntax errors name the line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        message = _l("%(path)s: no se pudo leer el archivo (%(error)s)", path=path, error=exc)
        raise PlanFileError([str(message)]) from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise PlanFileError([str(_l("%(path)s, línea %(line)s: JSON inválido (%(error)s)", path=path, line=exc.lineno,
                                         error=exc.msg))]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = str(_l("%(path)s, línea %(line)s", path=path, line=mark.line + 1)) if mark else str(path)
        raise PlanFileError([str(_l("%(where)s: YAML inválido (%(error)s)", where=where,
                                         error=getattr(exc, "problem", exc)))]) from None
    return parse_plan(data)


class _Flow(dict):
    """A small mapping written on one line: ``- {means: Minuta, scope: each_activity}``."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Flow, lambda dumper, value: dumper.represent_mapping("tag:yaml.org,2002:map", value,
                                                                              flow_style=True))


def _flow_requirements(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: ([_Flow(r) if isinstance(r, dict) else r for r in v] if k == "requirements" and isinstance(v, list)
                    else _flow_requirements(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_flow_requirements(v) for v in value]
    return value


def dump_plan(document: PlanDocument, fmt: str = "yaml") -> str:
    data = document.model_dump(mode="json", exclude={"commitment"} if document.commitment is None else None)
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    return yaml.dump(_flow_requirements(data), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=110)
