"""Requirement scope: does every session of a milestone need its own evidence of a means, or the milestone once?

* ``each_activity``: every activity (session) of the milestone must have its own evidence of that means. A
  requirement attached to one activity always has this scope (it asks for that activity's evidence).
* ``milestone``: one piece of evidence for the whole milestone is enough.

When a plan file names a milestone's requirement without a scope, the means' kind decides
(:func:`default_scope`): the documents every session produces (convocatoria, lista de asistencia, memoria
fotográfica, minuta, relatorías) are ``each_activity``; everything else (plan anual de trabajo, informes,
acuerdos generales, presentaciones of a programme, the informe final) is a product of the milestone.
"""
from __future__ import annotations

from typing import Final, Literal

from evidence_repo.plan.names import means_key

Scope = Literal["each_activity", "milestone"]
EACH_ACTIVITY: Final = "each_activity"
MILESTONE: Final = "milestone"
SCOPES: Final[tuple[str, ...]] = (EACH_ACTIVITY, MILESTONE)

# Folded names (plan.names.means_key) of the documents every session produces.
SESSION_DOCUMENTS: Final = frozenset({
    "convocatoria", "convocatorias", "lista de asistencia", "listas de asistencia", "memoria fotografica",
    "memorias fotograficas", "minuta", "minutas",
})
SESSION_DOCUMENT_PREFIXES: Final = ("relatoria",)


def default_scope(means_name: str, *, on_activity: bool = False) -> Scope:
    """The scope a requirement gets when the plan file does not say."""
    if on_activity:
        return EACH_ACTIVITY
    key = means_key(means_name)
    if key in SESSION_DOCUMENTS or key.startswith(SESSION_DOCUMENT_PREFIXES):
        return EACH_ACTIVITY
    return MILESTONE
