"""Storage: models, sessions, queries, migrations, and the photo and document store."""
