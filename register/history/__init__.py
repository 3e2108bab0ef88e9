"""How the register changes over time: the change feed, version diffs and statistics.

Every function here reads through a :class:`register.Register` and returns frozen,
keyword-only result objects whose ``to_dict()`` is JSON-safe and holds aggregates only
(never a row of personal data), so the portal and the read API show the same numbers.
"""

__all__: list[str] = []
