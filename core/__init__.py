"""kopiena core: the domain, storage, access control and API every node runs."""

from .hookspecs import hookimpl

__version__ = "0.1.0"
__all__ = ["hookimpl", "__version__"]
