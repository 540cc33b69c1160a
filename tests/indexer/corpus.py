"""Test data for the backend contract suite: realistic action-plan evidence.

Not a test module: the contract suite and the backend-specific tests import it.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from indexer import SearchResults

PUBLIC = "public"
STAFF = frozenset({"public", "restricted"})

MILESTONES = {
    "1": "Publicar en formato de datos abiertos el padrón de beneficiarios de programas sociales",
    "2": "Fortalecer la participación ciudadana en la vigilancia del presupuesto participativo",
    "3": "Implementar mecanismos de rendición de cuentas en contrataciones públicas",
    "4": "Capacitar a servidores públicos en transparencia proactiva y acceso a la información",
    "99": "Seguimiento interno de auditorías",
}


def _doc(id, title, means, milestone, when, file_type, text, visibility="public", **extra):
    doc = {
        "id": id,
        "title": title,
        "means": means,
        "milestone": milestone,
        "milestone_text": MILESTONES[milestone],
        "date": when,
        "file_type": file_type,
        "text": text,
        "visibility": visibility,
        **extra,
    }
    return {k: v for k, v in doc.items() if v is not None}


CORPUS = [
    _doc("d01", "Convocatoria a la primera mesa de trabajo del compromiso de datos abiertos",
         "Convocatoria", "1", "2022-02-10", "pdf",
         "Se convoca a organizaciones de la sociedad civil, academia y servidores públicos a la "
         "primera mesa de trabajo para definir el formato del padrón de beneficiarios. La reunión "
         "se realizará en la Ciudad de México."),
    _doc("d02", "Registro de la primera mesa de trabajo", "Lista de asistencia", "1", "2022-02-24", "pdf",
         "Nombre, organización y firma de las personas asistentes. Asistieron 34 personas de 12 organizaciones."),
    _doc("d03", "Minuta de la reunión de instalación", "Minuta", "1", "2022-02-24", "docx",
         "Acuerdos: publicar el padrón en formato CSV; revisar la metodología de anonimización; la "
         "Secretaría de Bienestar presentará un avance en la próxima sesión. Participó la Compañía "
         "de Datos Abiertos SC."),
    _doc("d04", "Estándares de datos abiertos", "Presentación", "1", "2022-03-15", "pptx",
         "Metodologías para la apertura de datos. Estándar de datos abiertos del Gobierno de México. "
         "Transparencia y reutilización de información pública."),
    _doc("d05", "Relatoría del taller de co-creación", "Relatoría", "2", "2022-05-20", "pdf",
         "Las y los participantes propusieron mecanismos de participación ciudadana para vigilar el "
         "presupuesto participativo en las alcaldías. Se discutieron 15 propuestas."),
    _doc("d06", "Informe trimestral de avance del compromiso 2", "Informe", "2", "2022-07-01", "docx",
         "Durante el trimestre se realizaron tres sesiones de seguimiento y dos capacitaciones sobre "
         "presupuesto participativo. Las investigaciones de la contraloría social continúan."),
    _doc("d07", "Minuta de la segunda sesión del comité de seguimiento", "Minuta", "2", "2022-08-12", "docx",
         "El comité revisó las solicitudes de información pendientes y acordó difundir los resultados. "
         "La lista de asistencia se anexa al final."),
    _doc("d08", "Convocatoria a la consulta pública sobre presupuesto", "Convocatoria", "2", "2022-09-05", "pdf",
         "Consulta pública en línea. Las personas interesadas podrán enviar sus propuestas del 5 al 30 "
         "de septiembre."),
    _doc("d09", "Informe final de participacion ciudadana", "Informe", "2", "2023-01-20", "pdf",
         "Informe sobre la participacion ciudadana en la vigilancia del gasto: la participacion de los "
         "comites vecinales fue del 40 por ciento."),
    _doc("d10", "Resultados de contrataciones abiertas", "Presentación", "3", "2023-02-14", "pptx",
         "Estándar de Datos para las Contrataciones Abiertas (EDCA). Rendición de cuentas en "
         "licitaciones y adjudicaciones directas."),
    _doc("d11", "Minuta de la reunión con la Secretaría de la Función Pública", "Minuta", "3", "2023-03-09",
         "docx", "Se acordó publicar los contratos en formato abierto. La rendición de cuentas requiere "
         "información oportuna."),
    _doc("d12", "Relatoría del foro regional en Querétaro", "Relatoría", "3", "2023-04-18", "pdf",
         "Foro regional con testigos sociales sobre contrataciones públicas en el estado de Querétaro. "
         "Se presentaron los hallazgos de la auditoría ciudadana."),
    _doc("d13", "Registro del foro regional", "Lista de asistencia", "3", "2023-04-18", "xlsx",
         "Registro de participantes del foro regional."),
    _doc("d14", "Informe de capacitación a servidores públicos", "Informe", "4", "2023-06-30", "pdf",
         "Se capacitó a 250 servidores públicos en transparencia proactiva, gobierno abierto y acceso "
         "a la información."),
    _doc("d15", "Convocatoria al curso de transparencia proactiva", "Convocatoria", "4", "2023-08-01", "pdf",
         "Curso en línea sobre transparencia proactiva dirigido a unidades de transparencia."),
    _doc("d16", "Curso de acceso a la información", "Presentación", "4", "2023-08-15", "pptx",
         "Derecho de acceso a la información pública. Plazos de respuesta a solicitudes. Recursos de "
         "revisión ante el órgano garante."),
    _doc("d17", "Minuta de evaluación del plan de acción", "Minuta", "4", "2024-01-25", "docx",
         "Evaluación final del plan de acción. Los compromisos alcanzaron un avance del 85 por ciento. "
         "La asistencia fue amplia; la lista de compromisos se actualizó."),
    _doc("d18", "Relatoría de la sesión de cierre", "Relatoría", "4", "2024-03-12", "pdf",
         "Cierre del plan de acción con la participación de organizaciones de la sociedad civil y el "
         "secretariado técnico tripartita."),
    _doc("d19", "Informe con caracteres especiales", "Informe", "4", "2024-04-02", "txt",
         'Texto con <script>alert("xss")</script> y <b>negritas</b> & transparencia "comillas".'),
    _doc("d20", "Padrón de beneficiarios: versión pública", "Informe", "1", "2024-05-10", "xlsx",
         "Tabla con los registros anonimizados."),
    _doc("d21", "Anexo técnico", "Informe", "1", "2021-11-03", "pdf",
         "Anexo con notas diversas. En la página 40 se menciona el padrón de manera incidental."),
    _doc("d22", "Informe reservado", "Informe", "99", "2019-06-01", "odt",
         "Hallazgos de la auditoría interna: ornitorrinco es la clave del expediente reservado. "
         "Transparencia.", visibility="restricted"),
    _doc("d23", "Minuta interna", "Minuta", "3", "2023-05-05", "docx",
         "Minuta interna sobre contrataciones públicas. Datos personales de proveedores.",
         visibility="restricted"),
    _doc("d24", "Borrador sin clasificar", "Informe", "2", "2023-05-06", "docx",
         "Borrador con la palabra quetzalcoatlus.", visibility=None),
    _doc("d25", "Documento sin fecha", "Informe", "2", None, "pdf",
         "Documento histórico sin fecha de emisión."),
    _doc("d26", "Informe de los años 2021 y 2022", "Informe", "2", "2022-12-15", "pdf",
         "Resumen de actividades del año: reuniones, capacitaciones y una investigación sobre la "
         "compañía de transporte.", description="Resumen anual de actividades del compromiso."),
]
PUBLIC_IDS = {d["id"] for d in CORPUS if d.get("visibility") == "public"}
ALL_IDS = {d["id"] for d in CORPUS}

# Several programmes: two plans, three commitments, milestone numbers repeated
# across commitments (milestone 3 of "apoyo-osc" is not milestone 3 of
# "presupuesto-abierto"). CORPUS documents belong to no plan (as the documents
# of callers from before plans); the programme tests index both.
PLANS = {
    "plan-jalisco-2019": "Plan de Acción Local de Gobierno Abierto Jalisco 2019",
    "plan-cdmx-2021": "Plan de Acción de Gobierno Abierto de la Ciudad de México 2021",
}
COMMITMENTS = {  # slug: (plan, title)
    "apoyo-osc": ("plan-jalisco-2019",
                  "Análisis del programa «Apoyo a las organizaciones de la sociedad civil»"),
    "datos-salud": ("plan-jalisco-2019", "Abasto de medicamentos con datos abiertos"),
    "presupuesto-abierto": ("plan-cdmx-2021", "Presupuesto abierto en las alcaldías"),
}


def _programme_doc(id, commitment, milestone, title, means, when, text, visibility="public", plan=None):
    plan = plan or COMMITMENTS[commitment][0]
    doc = {
        "id": id, "title": title, "means": means, "milestone": milestone, "date": when,
        "file_type": "pdf", "text": text, "visibility": visibility,
        "plan": plan, "plan_title": PLANS[plan],
    }
    if commitment:
        doc.update(commitment=commitment, commitment_title=COMMITMENTS[commitment][1])
    return {k: v for k, v in doc.items() if v is not None}


PROGRAMMES = [
    _programme_doc("p01", "apoyo-osc", "1", "Convocatoria a la mesa de cocreación", "Convocatoria",
                   "2019-09-02", "Se convoca a las organizaciones a la primera mesa de cocreación."),
    _programme_doc("p02", "apoyo-osc", "1", "Lista de asistencia de la mesa de cocreación",
                   "Lista de asistencia", "2019-09-16", "Nombre y firma de las personas asistentes."),
    _programme_doc("p03", "apoyo-osc", "2", "Minuta de la revisión de reglas de operación", "Minuta",
                   "2019-10-17", "Acuerdos sobre las reglas de operación del programa de apoyos."),
    _programme_doc("p04", "apoyo-osc", "3", "Relatoría del foro con organizaciones", "Relatoría",
                   "2019-11-20", "Foro de análisis de resultados del programa con organizaciones."),
    _programme_doc("p05", "apoyo-osc", "3", "Registro del foro con datos personales", "Lista de asistencia",
                   "2019-11-20", "Domicilios y teléfonos de participantes: tlacuache.", visibility="restricted"),
    _programme_doc("p06", "datos-salud", "1", "Diagnóstico de abasto en hospitales", "Informe",
                   "2020-02-11", "Existencias por hospital publicadas en formato abierto."),
    _programme_doc("p07", "datos-salud", "3", "Tablero de surtimiento de recetas", "Presentación",
                   "2020-06-30", "Surtimiento completo de recetas por unidad médica."),
    _programme_doc("p08", "datos-salud", "3", "Observaciones internas al tablero", "Minuta",
                   "2020-07-02", "Observaciones internas sobre el tablero.", visibility="restricted"),
    _programme_doc("p09", "presupuesto-abierto", "1", "Convocatoria a las alcaldías", "Convocatoria",
                   "2021-03-08", "Se convoca a las dieciséis alcaldías a publicar su presupuesto."),
    _programme_doc("p10", "presupuesto-abierto", "2", "Minuta de la mesa con alcaldías", "Minuta",
                   "2021-05-19", "Acuerdos para publicar el presupuesto participativo en datos abiertos."),
    _programme_doc("p11", "presupuesto-abierto", "3", "Portal de presupuesto abierto", "Presentación",
                   "2021-09-01", "Presentación del portal de presupuesto abierto."),
    _programme_doc("p12", "presupuesto-abierto", "3", "Informe de uso del portal", "Informe",
                   "2021-12-10", "Visitas y descargas del portal de presupuesto abierto."),
    _programme_doc("p13", "presupuesto-abierto", "4", "Auditoría interna del portal", "Informe",
                   "2022-01-15", "Hallazgos internos sobre el portal.", visibility="restricted"),
    _programme_doc("p14", None, "1", "Informe de autoevaluación del plan", "Informe", "2022-03-01",
                   "Autoevaluación de todo el plan de acción.", plan="plan-cdmx-2021"),
]
PROGRAMME_PUBLIC_IDS = {d["id"] for d in PROGRAMMES if d["visibility"] == "public"}


def ids(results: SearchResults) -> set[str]:
    return {h.id for h in results.hits}


def all_ids(index, q: str, visibility=PUBLIC, **kw) -> set[str]:
    return ids(index.search(q, visibility=visibility, per_page=100, **kw))


def dated_docs(n: int, seed: int = 5):
    rng = random.Random(seed)
    start = date(2015, 1, 1)
    words = "minuta informe relatoria convocatoria padron presupuesto auditoria".split()
    for i in range(n):
        yield {
            "id": f"x{i}",
            "title": " ".join(rng.choices(words, k=3)),
            "date": None if i % 50 == 0 else start + timedelta(days=rng.randrange(3000)),
            "milestone": str(i % 7),
            "file_type": rng.choice(["pdf", "docx"]),
            "visibility": "restricted" if i % 10 == 0 else "public",
        }


PAIRS_FILE = Path(__file__).with_name("spanish_pairs.tsv")


def load_pairs() -> list[tuple[str, str, str, str]]:
    """(relation, left, right, category) rows of spanish_pairs.tsv: 'same'
    pairs must meet (both directions), 'different' ones must not."""
    rows = []
    for n, line in enumerate(PAIRS_FILE.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        relation, left, right, category = line.split("\t")
        assert relation in ("same", "different"), f"line {n}: {relation!r}"
        rows.append((relation, left, right, category))
    return rows
