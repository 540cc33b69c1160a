"""Admins change the plan ("Sujeto a cambios"); every change needs a reason, is audited and published, and the
flags follow at once."""
import datetime as dt

import pytest
from sqlalchemy import select

from evidence_repo.audit import AuditRecord
from evidence_repo.plan.models import Milestone, PlanChange, Requirement
from tests.helpers import csrf_token, login

REASON = "La sesión se reprogramó por acuerdo del comité"


@pytest.fixture
def admin(client, make_user):
    make_user("admin@jalisco.gob.mx", "admin")
    login(client, "admin@jalisco.gob.mx")
    return client


def status(client, number):
    data = client.get("/api/v1/compliance").get_json()
    return next(m for m in data["milestones"] if m["number"] == number)


def post(client, number, action, **data):
    token = csrf_token(client, f"/admin/metas/{number}")
    data.setdefault("reason", REASON)
    return client.post(f"/admin/metas/{number}/{action}", data={"csrf_token": token, **data}, follow_redirects=True)


def test_only_admins_edit_the_plan(client, make_user):
    assert client.get("/admin/metas/11").status_code == 302
    make_user("staff@jalisco.gob.mx", "staff")
    login(client, "staff@jalisco.gob.mx")
    assert client.get("/admin/metas/11").status_code == 403


def test_setting_a_date_moves_a_milestone_out_of_sin_fecha(admin, session):
    assert status(admin, 11)["status"] == "sin_fecha"
    activity_id = admin.get("/api/v1/milestones/11").get_json()["activities"][0]["id"]
    future = (dt.date.today() + dt.timedelta(days=60)).isoformat()
    r = post(admin, 11, "actividad", activity_id=activity_id, name="Entrega del informe final", date=future)
    assert "Cambio guardado" in r.get_data(as_text=True)
    assert status(admin, 11)["status"] == "incompleto" and status(admin, 11)["due"] == future
    post(admin, 11, "actividad", activity_id=activity_id, name="Entrega del informe final", date="2020-08-01")
    assert status(admin, 11)["status"] == "vencido"
    record = session.scalars(select(AuditRecord).where(AuditRecord.action == "plan.activity.update")
                             .order_by(AuditRecord.id)).first()
    assert record.before["activities"][0] == {"id": activity_id, "name": None, "date": None}
    assert record.after["activities"][0]["date"] == future
    assert record.user_id is not None


def test_bad_date_is_refused_with_a_message(admin):
    activity_id = admin.get("/api/v1/milestones/10").get_json()["activities"][0]["id"]
    r = post(admin, 10, "actividad", activity_id=activity_id, name="", date="31/02/2020")
    assert "Fecha inválida" in r.get_data(as_text=True)
    assert status(admin, 10)["status"] == "sin_fecha"


def test_requirements_and_activities_can_change(admin, session):
    r = post(admin, 3, "requisito", means="Acuerdos generales", activity_id="")
    assert "Cambio guardado" in r.get_data(as_text=True)
    assert "Acuerdos generales" in status(admin, 3)["required"]
    again = post(admin, 3, "requisito", means="acuerdos GENERALES", activity_id="")
    assert "ya se exige" in again.get_data(as_text=True)
    post(admin, 3, "requisito", means="", new_means="Video de la sesión", activity_id="")
    assert "Video de la sesión" in status(admin, 3)["required"]
    m3 = session.scalar(select(Milestone).where(Milestone.number == 3))
    video = next(r for r in session.scalars(select(Requirement).where(Requirement.milestone_id == m3.id))
                 if r.means.name == "Video de la sesión")
    post(admin, 3, "quitar-requisito", requirement_id=video.id)
    assert "Video de la sesión" not in status(admin, 3)["required"]
    post(admin, 3, "nueva-actividad", name="Segunda reunión de seguimiento", date="2019-11-30")
    assert status(admin, 3)["due"] == "2019-11-30"
    actions = [a.action for a in session.scalars(select(AuditRecord).where(AuditRecord.entity == "milestone"))]
    assert actions == ["plan.requirement.add", "plan.requirement.add", "plan.requirement.remove", "plan.activity.add"]
    history = admin.get("/admin/metas/3").get_data(as_text=True)
    assert "plan.activity.add" in history and "Segunda reunión de seguimiento" in history


def test_every_change_needs_a_reason_and_changes_nothing_without_one(admin, session):
    activity_id = admin.get("/api/v1/milestones/11").get_json()["activities"][0]["id"]
    for action, data in [("actividad", {"activity_id": activity_id, "name": "Entrega", "date": "2020-08-01"}),
                         ("nueva-actividad", {"name": "Otra sesión", "date": "2020-08-01"}),
                         ("requisito", {"means": "Minuta", "activity_id": ""})]:
        r = post(admin, 11, action, reason="   ", **data)
        assert "Escriba el motivo del cambio" in r.get_data(as_text=True), action
    assert status(admin, 11)["status"] == "sin_fecha" and status(admin, 11)["required"] == ["Informe final"]
    assert session.scalar(select(PlanChange).where(PlanChange.kind != "plan.imported",
                                                   PlanChange.kind != "plan.created",
                                                   PlanChange.kind != "commitment.added")) is None
    assert not session.scalars(select(AuditRecord).where(AuditRecord.entity == "milestone")).all()


def test_each_change_is_published_with_its_reason_and_no_staff_identity(admin, session):
    activity_id = admin.get("/api/v1/milestones/11").get_json()["activities"][0]["id"]
    post(admin, 11, "actividad", activity_id=activity_id, name="Entrega del informe final", date="2020-08-01")
    post(admin, 3, "requisito", means="Acuerdos generales", activity_id="")
    changes = session.scalars(select(PlanChange).where(PlanChange.reason == REASON).order_by(PlanChange.id)).all()
    assert [(c.kind, c.milestone_number) for c in changes] == [
        ("activity.date_changed", 11), ("activity.changed", 11), ("requirement.added", 3)]
    date_change = changes[0]
    assert date_change.before == {"id": activity_id, "name": None, "date": None}
    assert date_change.after == {"id": activity_id, "name": "Entrega del informe final", "date": "2020-08-01"}
    assert date_change.summary == "Meta 11: fecha de «Por definir»: Por definir → 2020-08-01"
    assert changes[2].after == {"means": "Acuerdos generales", "scope": "milestone", "activity": None}
    assert {c.commitment_slug for c in changes} == {"jalisco-apoyo-organizaciones-sociedad-civil"}
    assert all(c.commitment_id is not None for c in changes)
    published = repr([(c.summary, c.before, c.after, c.reason) for c in changes])
    assert "admin@jalisco.gob.mx" not in published
    assert not hasattr(PlanChange, "user_id")
    audit = session.scalars(select(AuditRecord).where(AuditRecord.entity == "milestone")).all()
    assert len(audit) == 2 and all(a.user_id is not None for a in audit)  # who did it stays in the audit trail


def test_a_requirement_s_scope_can_change(admin, session):
    m3 = session.scalar(select(Milestone).where(Milestone.number == 3))
    minuta = next(r for r in m3.requirements if r.means.name == "Minuta")
    assert minuta.scope == "each_activity"
    page = admin.get("/admin/metas/3").get_data(as_text=True)
    assert f'id="scope-{minuta.id}"' in page and "cada actividad" in page and "una vez por meta" in page
    r = post(admin, 3, "alcance", requirement_id=minuta.id, scope="milestone")
    assert "Cambio guardado" in r.get_data(as_text=True)
    session.expire_all()
    assert session.get(Requirement, minuta.id).scope == "milestone"
    change = session.scalar(select(PlanChange).where(PlanChange.kind == "requirement.scope_changed"))
    assert (change.before, change.after, change.reason) == (
        {"means": "Minuta", "scope": "each_activity"}, {"means": "Minuta", "scope": "milestone"}, REASON)
    r = post(admin, 3, "alcance", requirement_id=minuta.id, scope="cada-tanto")
    assert "Alcance desconocido" in r.get_data(as_text=True)


def test_a_requirement_of_one_activity_stays_that_activity_s(admin, session):
    m2 = session.scalar(select(Milestone).where(Milestone.number == 2))
    own = m2.activities[0].requirements[0]
    r = post(admin, 2, "alcance", requirement_id=own.id, scope="milestone")
    assert "Lo que se exige a una actividad es de esa actividad" in r.get_data(as_text=True)
    session.expire_all()
    assert session.get(Requirement, own.id).scope == "each_activity"


def test_requirements_added_without_a_scope_take_the_means_kind(admin, session):
    post(admin, 11, "requisito", means="Minuta", activity_id="")
    post(admin, 11, "requisito", means="Acuerdos generales", activity_id="", scope="each_activity")
    m11 = session.scalar(select(Milestone).where(Milestone.number == 11))
    assert {r.means.name: r.scope for r in m11.requirements} == {
        "Informe final": "milestone", "Minuta": "each_activity", "Acuerdos generales": "each_activity"}
