"""Storage: the SQLite database and its tables, behind one door.

:class:`Store` owns the connection and its writer thread; the table modules
(:mod:`bot.store.jobs`, :mod:`bot.store.posts`, :mod:`bot.store.subscriptions`)
hold the SQL of one concern each; :mod:`bot.store.db`, :mod:`bot.store.migrations`
and :mod:`bot.store.sqlite_tx` open the file, shape its schema and run
transactions.
"""

from bot.store.core import PollRecord, Store, iso, paper_from_row
from bot.store.matches import StoredMatch

__all__ = ["PollRecord", "Store", "StoredMatch", "iso", "paper_from_row"]
