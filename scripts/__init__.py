"""Developer scripts: generators of the data files the code reads (run from the repository root)."""
