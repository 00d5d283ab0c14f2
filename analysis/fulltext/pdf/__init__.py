"""PDF reader: PyMuPDF pages → rows → cleaned rows → :class:`~analysis.document.Document`.

``extract`` (worker process, limits) → ``parse`` (PyMuPDF) → ``layout`` (rows in
reading order) → ``margins`` and ``floats`` (page furniture, figure and table
areas out) → ``headings`` → ``structure`` (sections, captions, footnotes) with
``text`` (joining, hyphenation, ligatures, references).
"""
