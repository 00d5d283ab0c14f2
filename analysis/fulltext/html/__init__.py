"""arXiv HTML reader: LaTeXML pages → :class:`~analysis.document.Document`.

``check`` says whether a page is a usable conversion (and why not); ``parse``
builds the document from the page's own structure.
"""
