"""The plan file format (YAML or JSON): validated in full before anything touches the database."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import yaml
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator

from evidence_repo.dates import parse_typed_date
from evidence_repo.plan.names import means_key

FORMAT = "evidence-repo/plan@1"
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


OptionalDate = Annotated[dt.date | None, BeforeValidator(_parse_date)]
OptionalText = Annotated[str | None, BeforeValidator(_undefined_to_none)]
Text = Annotated[str, Field(min_length=1)]


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


class ActivityEntry(Strict):
    name: OptionalText = None
    date: OptionalDate = None
    responsible: list[Text] = []
    requirements: list[Text] = []


class MilestoneEntry(Strict):
    number: int = Field(ge=1)
    objective: Text
    responsible: list[Text] = []
    requirements: list[Text] = []
    activities: list[ActivityEntry] = []


class CommitmentEntry(Strict):
    title: Text
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
    title: Text
    jurisdiction: str | None = None
    note: str | None = None


class PlanDocument(Strict):
    format: str = FORMAT
    plan: PlanHeader
    verification_means: list[MeansEntry] = []
    commitment: CommitmentEntry

    @field_validator("format")
    @classmethod
    def _known_format(cls, v: str) -> str:
        if v != FORMAT:
            raise ValueError(_l("formato desconocido %(found)r; se espera %(expected)r", found=v, expected=FORMAT))
        return v

    @model_validator(mode="after")
    def _requirements_are_catalogued(self) -> PlanDocument:
        """With a catalogue present, an unknown name is a typo, not a new kind of evidence."""
        if not self.verification_means:
            return self
        known = {means_key(s) for e in self.verification_means for s in [e.name, *e.aliases]}
        problems = []
        for i, milestone in enumerate(self.commitment.milestones):
            places = [(f"commitment.milestones[{i}].requirements[{j}]", n)
                      for j, n in enumerate(milestone.requirements)]
            for k, activity in enumerate(milestone.activities):
                places += [(f"commitment.milestones[{i}].activities[{k}].requirements[{j}]", n)
                           for j, n in enumerate(activity.requirements)]
            problems += [str(_l("%(where)s: medio de verificación desconocido %(name)r (no está en verification_means)",
                             where=where, name=name))
                         for where, name in places if means_key(name) not in known]
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def means_catalogue(self) -> dict[str, str]:
        """Every spelling (folded) -> canonical name; names used in requirements but not listed become means."""
        catalogue: dict[str, str] = {}
        for entry in self.verification_means:
            for spelling in [entry.name, *entry.aliases]:
                catalogue.setdefault(means_key(spelling), entry.name)
        for milestone in self.commitment.milestones:
            for name in milestone.requirements + [r for a in milestone.activities for r in a.requirements]:
                catalogue.setdefault(means_key(name), name)
        return catalogue


def _location(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or str(_l("(raíz)"))


def parse_plan(data: Any) -> PlanDocument:
    if not isinstance(data, dict):
        raise PlanFileError([str(_l("(raíz): el archivo debe contener un objeto con las claves plan y commitment"))])
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


def dump_plan(document: PlanDocument, fmt: str = "yaml") -> str:
    data = document.model_dump(mode="json")
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110)
