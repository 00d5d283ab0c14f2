"""A paper's full text, from arXiv's HTML or its PDF, as one :class:`~analysis.document.Document`.

Data flow: :mod:`analysis.fulltext.source` picks the source per paper (arXiv
HTML when it exists and converted cleanly, the PDF otherwise) →
:mod:`analysis.fulltext.html` (LaTeXML pages) or :mod:`analysis.fulltext.pdf`
(PyMuPDF in a worker process) → the same ``Document``, whose ``text_source``
says which reader built it.
"""
