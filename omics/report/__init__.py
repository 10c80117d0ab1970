"""Paper-style tables (tidy DataFrames rendered to CSV/Markdown/HTML); they only read results."""
