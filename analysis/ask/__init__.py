"""Ask the paper: questions answered from a paper's full text, with citations (#15).

:mod:`.passages` splits a document into passages, :mod:`.index` keeps them in
SQLite FTS5 (with optional embeddings) once per paper version, :mod:`.query`
turns a question into a search, :mod:`.llm_engine` and :mod:`.extractive` answer,
:mod:`.asker` ties it together with the answer cache, and :mod:`.render` shows
an answer safely.
"""
