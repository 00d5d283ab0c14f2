"""A complete, valid LLM answer for the analysis schema."""

from __future__ import annotations

from typing import Any

ANSWER: dict[str, Any] = {
    "overview": "DPR trains a dual encoder for retrieval.",
    "motivation": "Sparse retrieval misses paraphrases (Section 1).",
    "contributions": [{"title": "Dual encoder", "detail": "In-batch negatives.", "refs": ["§3"]}],
    "method": "Two BERT encoders; dot-product similarity (Eq. (1)).",
    "experiments": {
        "metrics": ["top-20 accuracy"],
        "datasets": ["Natural Questions"],
        "baselines": ["BM25"],
        "setup": ["8 GPUs"],
    },
    "limitations": {"acknowledged": ["SQuAD is biased."], "potential": []},
    "future_work": [{"suggestion": "Multilingual retrieval.", "feasibility": "medium"}],
}
