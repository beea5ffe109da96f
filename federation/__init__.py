"""Federation: indicator snapshots travel from the regional nodes to the national hub over NATS JetStream.

- ``federation.messages``: the versioned message (``v1``), its JSON Schema, encoding.
- ``federation.relay``: node side, publishes the outbox to JetStream.
- ``federation.hub``: the national hub (consumer, database, GraphQL API).
- ``federation.natsconf``: nats-server configurations (per-region users, leaf-node topology).
- ``federation.embedded``: an embedded nats-server for the demo and the tests.
"""
