"""Admins change the plan ("Sujeto a cambios"); every change is audited and the flags follow at once."""
import datetime as dt

import pytest
from sqlalchemy import select

from evidence_repo.audit import AuditRecord
from tests.helpers import csrf_token, login


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
    from evidence_repo.plan.models import Milestone, Requirement
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
