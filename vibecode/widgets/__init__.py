"""Reusable pieces of the vibecode screens (Textual widgets). UI process only: never imports the model."""
