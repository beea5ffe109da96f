"""The national hub: consumes regional snapshots from JetStream, keeps the newest per region and date,
and serves national figures over its own GraphQL API. It stores aggregates only, never personal data.

Entry points: :class:`federation.hub.service.Hub` (database + consumer + ASGI app together),
``kopiena hub`` on the command line.
"""
