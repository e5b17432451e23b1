"""Local storage: one SQLite database in the user's data folder."""
