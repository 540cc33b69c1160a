"""Name normalisation shared by the means catalogue and anything that looks means up by name."""
import re
import unicodedata


def fold(text: str) -> str:
    """Case- and accent-insensitive form: "Relatorías  por Mesa" -> "relatorias por mesa"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", stripped).strip()


means_key = fold
