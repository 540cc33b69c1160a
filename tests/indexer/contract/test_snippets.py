"""Contract: snippets and highlighting are safe HTML with matches in <mark>."""

from __future__ import annotations

import html
import random
import re

import pytest

from tests.indexer.corpus import PUBLIC


def _only_mark_tags(text):
    return set(re.findall(r"<[^>]*>", text)) <= {"<mark>", "</mark>"}


def _hit(idx, query, doc_id):
    return next(h for h in idx.search(query, visibility=PUBLIC, per_page=100).hits if h.id == doc_id)


@pytest.mark.parametrize(
    "query,expected",
    [
        ("negritas", "&lt;b&gt;<mark>negritas</mark>&lt;/b&gt; &amp;"),
        ("script", '&lt;<mark>script</mark>&gt;alert("xss")&lt;/<mark>script</mark>&gt;'),
        ("comillas", '&lt;script&gt;alert("xss")&lt;/script&gt;'),
        ("", 'Texto con &lt;script&gt;alert("xss")&lt;/script&gt; y &lt;b&gt;negritas&lt;/b&gt;'),
    ],
)
def test_snippets_are_escaped(idx, query, expected):
    hit = _hit(idx, query, "d19")
    assert expected in hit.snippet
    assert "<script" not in hit.snippet and "<b>" not in hit.snippet
    assert _only_mark_tags(hit.snippet)


def test_snippet_marks_matches(idx):
    hit = _hit(idx, "participacion", "d05")
    assert "<mark>participación</mark>" in hit.snippet
    assert _only_mark_tags(hit.snippet)
    hit = _hit(idx, '"lista de asistencia"', "d07")
    assert "<mark>lista</mark> de <mark>asistencia</mark>" in hit.snippet


def test_snippet_falls_back_to_start_of_text(idx):
    assert _hit(idx, "padron", "d20").snippet == "Tabla con los registros anonimizados."


def test_snippet_of_a_long_text_is_short_fragments(backend):
    filler = "Texto de relleno sin nada relevante. " * 200
    text = filler + "La minuta de la sesión. " + filler + "Otra minuta al final. " + filler
    backend.add([{"id": "largo", "title": "Documento largo", "text": text, "visibility": PUBLIC}])
    snippet = backend.search("minuta", visibility=PUBLIC).hits[0].snippet
    assert snippet.startswith("… ") and snippet.endswith(" …")
    assert snippet.count("<mark>minuta</mark>") == 2
    assert len(snippet) < 700
    assert _only_mark_tags(snippet)


# --- highlight ----------------------------------------------------------------


@pytest.mark.parametrize(
    "query,text,expected",
    [
        ("participacion", "La participación ciudadana.", "La <mark>participación</mark> ciudadana."),
        ("reuniones", "Una reunión y dos reuniones.", "Una <mark>reunión</mark> y dos <mark>reuniones</mark>."),
        ("PARTICIPACIÓN", "participacion", "<mark>participacion</mark>"),
        ("transpar*", "Transparencia y datos transparentes; trans.",
         "<mark>Transparencia</mark> y datos <mark>transparentes</mark>; trans."),
        ("minuta -contrataciones", "Minuta de contrataciones", "<mark>Minuta</mark> de contrataciones"),
        ("minuta NOT contrataciones", "Minuta de contrataciones", "<mark>Minuta</mark> de contrataciones"),
        ('"lista de asistencia"', "La lista de asistencia.", "La <mark>lista</mark> de <mark>asistencia</mark>."),
        ("acta OR minuta", "Acta y minuta", "<mark>Acta</mark> y <mark>minuta</mark>"),
    ],
)
def test_highlight_marks_what_the_search_matches(idx, query, text, expected):
    assert idx.highlight(text, query) == expected


def test_highlight_escapes_everything_and_keeps_newlines(idx):
    text = 'Línea 1 <script>alert("x")</script>\n\nLínea 2 & <b>transparencia</b>\r\n'
    out = idx.highlight(text, "transparencia script")
    assert out == (
        'Línea 1 &lt;<mark>script</mark>&gt;alert("x")&lt;/<mark>script</mark>&gt;\n\n'
        "Línea 2 &amp; &lt;b&gt;<mark>transparencia</mark>&lt;/b&gt;\r\n"
    )
    assert _only_mark_tags(out)


@pytest.mark.parametrize("query", ["", "   ", None, "de la", "*", "AND OR (", '"', "((", "zzzq*", "\x00", "🙂"])
def test_highlight_without_anything_to_mark_is_escaped_text(idx, query):
    text = "Texto <i>con</i> marcas & nada que resaltar.\n"
    assert idx.highlight(text, query) == html.escape(text, quote=False)


def test_highlight_truncates(idx):
    text = "transparencia " * 100
    out = idx.highlight(text, "transparencia", max_chars=30)
    assert out == "<mark>transparencia</mark> <mark>transparencia</mark> tr"
    assert idx.highlight(text, "transparencia", max_chars=0) == ""


@pytest.mark.parametrize("text", [None, 42, "", b"bytes"])
def test_highlight_never_raises(idx, text):
    assert isinstance(idx.highlight(text, "transparencia"), str)
    assert isinstance(idx.highlight("transparencia", object()), str)


def test_highlight_long_text(idx):
    words = ["participación", "<x>", "reunión", "plan", "acción", "de", "la", "Transparencia"]
    rng = random.Random(3)
    text = "\n".join(" ".join(rng.choices(words, k=12)) for _ in range(5000))
    out = idx.highlight(text, "participacion reuniones", max_chars=200_000)
    plain = re.sub(r"</?mark>", "", out)
    assert html.unescape(plain) == text[:200_000]
    assert out.count("<mark>") == len(re.findall(r"participación|reunión", text[:200_000]))
    assert "<x>" not in out
