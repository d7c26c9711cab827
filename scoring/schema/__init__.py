"""A rubric file's typed objects and how a file is read into them (scoring.schema.load)."""
