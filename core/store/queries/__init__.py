"""Read queries of a node: filters, keyset pages and batched loads (for the API's dataloaders).

Every function takes an optional ``scope``: a callable that, given the model
being read (``Client``, ``ServiceEpisode``, ``Delivery``...), returns a SQL
``WHERE`` clause restricting which rows the caller may see, or None for "no
restriction". Access control builds it from the caller's principal; it is
always applied in SQL, so a row outside the scope is never loaded at all.
"""

from .scope import Scope, scoped

__all__ = ["Scope", "scoped"]
