"""Deterministic synthetic Spanish evidence documents for benchmarks."""
from __future__ import annotations

import random
from pathlib import Path

from tests import samples

WORDS = """reunión seguimiento comité minuta acuerdo acuerdos lista asistencia convocatoria memoria fotográfica
relatoría mesa trabajo informe retroalimentación presentación ponentes programa apoyo organizaciones sociedad
civil transparencia rendición cuentas participación ciudadana padrón beneficiarios presupuesto gobierno abierto
secretaría planeación asistencia social coordinación innovación gubernamental reglas operación análisis mejora
capacitación servidoras servidores públicos plataforma información calidad acceso evaluación impacto
contribuciones validación cierre procesos gobernanza sesión taller foro propuesta modelo integral vigilancia
corrupción ciudadanía dependencias representantes planeación acciones resultados recursos ejercicio
administración indicadores metas actividades compromiso seguimiento revisión desglose manejo difusión""".split()

KINDS = ["pdf", "pdf", "pdf", "docx", "docx", "docx", "pptx", "pptx", "xlsx", "xlsx", "png", "jpg"]


def sentence(rng: random.Random, n: int = 12) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def paragraph(rng: random.Random, sentences: int = 6) -> str:
    return " ".join(sentence(rng) for _ in range(sentences))


def make_document(folder: Path, i: int, kind: str, rng: random.Random) -> Path:
    """One document of `kind` whose text starts with a unique marker `doc{i}marca`."""
    marker = f"doc{i}marca"
    text = f"{marker} {paragraph(rng)}"
    path = folder / f"{i:05d}.{kind}"
    if kind == "pdf":
        samples.make_text_pdf(path, text)
    elif kind == "docx":
        samples.make_docx(path, [text, paragraph(rng)], table_rows=[["Nombre", "Cargo"], [sentence(rng, 2), sentence(rng, 2)]])
    elif kind == "pptx":
        samples.make_pptx(path, [(marker, text), (sentence(rng, 4), paragraph(rng, 2))], notes=[sentence(rng)])
    elif kind == "xlsx":
        samples.make_xlsx(path, [[marker, "Asistencia"]] + [[sentence(rng, 3), sentence(rng, 2)] for _ in range(20)])
    elif kind == "png":
        samples.make_image(path, f"MINUTA {i}\nACUERDOS DEL COMITE", fmt="PNG")
    elif kind == "jpg":
        samples.make_photo(path, f"MEMORIA {i}")
    elif kind == "txt":
        samples.make_text_file(path, text)
    return path


def make_corpus(folder: Path, n: int, kinds: list[str] = KINDS, seed: int = 7) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    return [make_document(folder, i, kinds[i % len(kinds)], rng) for i in range(n)]


def make_long_pdf(path: Path, marker: str, pages: int = 20, seed: int = 11) -> Path:
    """A text PDF of exactly `pages` pages, `marker` on the last one."""
    from fpdf import FPDF

    rng = random.Random(seed)
    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for p in range(pages):
        pdf.add_page()
        body = paragraph(rng, 14) + (f" {marker}" if p == pages - 1 else "")
        pdf.multi_cell(0, 6, f"Página {p + 1}. {body}")
    pdf.output(str(path))
    return path
