"""The regional node's GraphQL API: strawberry types and resolvers, dataloaders, the Starlette app."""

from .app import create_app
from .schema import build_schema, print_sdl

__all__ = ["create_app", "build_schema", "print_sdl"]
