"""vibecode: a kid-friendly vibe-coding environment that runs on the classroom machine."""

__version__ = "0.1.0"
