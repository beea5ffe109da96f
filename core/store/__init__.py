"""Storage of a regional node: tables, engines, migrations, queries and reference-data seeding."""
