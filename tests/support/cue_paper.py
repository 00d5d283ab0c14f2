"""DenseLite, a small made-up paper whose sections hold what each analysis field should find."""

from __future__ import annotations

from pathlib import Path

from analysis.roles import Role
from tests.support.pdf_factory import PaperWriter

EXPERIMENTAL = {
    Role.EXPERIMENTS, Role.DATASETS, Role.SETUP, Role.COMPUTE, Role.RESULTS, Role.ABLATION,
}  # fmt: skip
ABSTRACT = (
    "Retrieval for question answering usually relies on sparse vectors. "
    "We propose DenseLite, a small dual encoder trained on few examples. "
    "DenseLite improves top-20 accuracy by 9.3 points over BM25 on three benchmarks."
)
INTRODUCTION = [
    "Open-domain question answering needs a retriever that selects a few relevant passages "
    "from millions of documents before a reader extracts the answer.",
    "However, existing methods rely on sparse term matching, which fails on paraphrases, and "
    "dense alternatives remain expensive because they need large labelled collections.",
    "This paper contributes: (1) A compact dual encoder for passage retrieval trained with "
    "in-batch negatives only. (2) An evaluation protocol that measures retrieval and "
    "answer accuracy together. (3) A released index of 21 million passages for others to use.",
]
METHOD = (
    "DenseLite encodes questions and passages with two small transformer encoders and ranks "
    "passages by the dot product of their vectors. The encoders share a vocabulary but not "
    "their weights, and the passage vectors are indexed once before any question arrives."
)
DATASETS = (
    "We evaluate on three datasets: Natural Questions, TriviaQA and SQuAD, using their "
    "standard training and test splits with 79,168 training questions in total."
)
METRICS = (
    "We report top-20 and top-100 retrieval accuracy and exact match of the final answers "
    "as the evaluation metrics."
)
BASELINES = "DenseLite is compared with BM25 and with the ORQA baseline on every benchmark."
SETUP = "All models were trained for 40 epochs on eight A100 GPUs with a batch size of 128."
LIMITATION = (
    "A limitation of our study is that DenseLite does not handle questions that need "
    "several passages at once."
)
FUTURE = (
    "In future work we plan to extend the encoders to multilingual retrieval and longer documents."
)


def cue_paper(folder: Path) -> Path:
    """A small PDF whose sections hold the statements each field should pick up."""
    writer = PaperWriter()
    writer.line("DenseLite: Small Dense Retrieval", size=18, bold=True)
    writer.gap(6)
    writer.line("Ada Lovelace and Alan Turing, University of Testing", size=11)
    writer.heading("Abstract")
    writer.paragraph(ABSTRACT)
    writer.heading("1 Introduction")
    for paragraph in INTRODUCTION:
        writer.paragraph(paragraph)
    writer.heading("2 Related Work")
    writer.paragraph(
        "Sparse retrieval with BM25 has a long history in information retrieval research. "
        "Dense retrieval was popularised by later neural models trained on large collections."
    )
    writer.heading("3 Method")
    writer.paragraph(METHOD)
    writer.heading("4 Experiments")
    writer.paragraph(
        "This section describes how DenseLite was evaluated against strong retrievers."
    )
    writer.heading("4.1 Datasets and Metrics")
    writer.paragraph(DATASETS + " " + METRICS)
    writer.heading("4.2 Results")
    writer.paragraph(BASELINES + " " + SETUP)
    writer.line("Table 1: Top-20 retrieval accuracy on the test sets of three datasets.", size=9)
    writer.gap(10)
    writer.heading("5 Limitations")
    writer.paragraph(LIMITATION)
    writer.heading("6 Conclusion")
    writer.paragraph(
        "We presented DenseLite, a compact dense retriever trained on few examples. " + FUTURE
    )
    writer.heading("References")
    for number in range(1, 6):
        writer.line(f"[{number}] A. Author. 2020. Paper number {number}.", size=9)
    return writer.save(folder / "denselite.pdf")
