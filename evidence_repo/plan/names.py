"""Name normalisation shared by the means catalogue and anything that looks means up by name."""
import re

from indexer.analysis import fold as fold_accents


def fold(text: str) -> str:
    """Case- and accent-insensitive form: "Relatorías  por Mesa" -> "relatorias por mesa".

    The search index's folding (one rule for accents and case), plus collapsed whitespace.
    """
    return re.sub(r"\s+", " ", fold_accents(text.casefold())).strip()


means_key = fold
