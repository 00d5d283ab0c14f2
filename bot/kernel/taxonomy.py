"""arXiv's category taxonomy (https://arxiv.org/category_taxonomy), shipped as data.

Used to refuse a category that does not exist (``cs.AII``) in the config and in
chat commands, with the nearest real ones as a suggestion. Archive names (``cs``,
``math``) are accepted too: the RSS feed serves a whole archive.
"""

from __future__ import annotations

import difflib

_GROUPS = {
    "cs": "AI AR CC CE CG CL CR CV CY DB DC DL DM DS ET FL GL GR GT HC IR IT LG LO MA MM MS NA "
    "NE NI OH OS PF PL RO SC SD SE SI SY",
    "econ": "EM GN TH",
    "eess": "AS IV SP SY",
    "math": "AC AG AP AT CA CO CT CV DG DS FA GM GN GR GT HO IT KT LO MG MP NA NT OA OC PR QA "
    "RA RT SG SP ST",
    "astro-ph": "CO EP GA HE IM SR",
    "cond-mat": "dis-nn mes-hall mtrl-sci other quant-gas soft stat-mech str-el supr-con",
    "nlin": "AO CD CG PS SI",
    "physics": "acc-ph ao-ph app-ph atm-clus atom-ph bio-ph chem-ph class-ph comp-ph data-an "
    "ed-ph flu-dyn gen-ph geo-ph hist-ph ins-det med-ph optics plasm-ph pop-ph soc-ph space-ph",
    "q-bio": "BM CB GN MN NC OT PE QM SC TO",
    "q-fin": "CP EC GN MF PM PR RM ST TR",
    "stat": "AP CO ME ML OT TH",
}
_STANDALONE = [
    "gr-qc",
    "hep-ex",
    "hep-lat",
    "hep-ph",
    "hep-th",
    "math-ph",
    "nucl-ex",
    "nucl-th",
    "quant-ph",
]

CATEGORIES: frozenset[str] = frozenset(
    {f"{archive}.{code}" for archive, codes in _GROUPS.items() for code in codes.split()}
    | set(_GROUPS)
    | set(_STANDALONE)
)


def is_category(name: str) -> bool:
    return name in CATEGORIES


def unknown_category_message(name: str) -> str:
    """Why ``name`` is refused, with the closest real categories when there are any."""
    same = [c for c in sorted(CATEGORIES) if c.lower() == name.lower()]
    close = same or difflib.get_close_matches(name, sorted(CATEGORIES), n=3, cutoff=0.6)
    hint = f" Did you mean {' or '.join(close)}?" if close else ""
    return f"{name!r} is not an arXiv category (see https://arxiv.org/category_taxonomy).{hint}"
