"""The lessons that ship with vibecode: one folder per lesson, each with a lesson.toml and a solution.py.

This file only makes the folder a package, so an installed vibecode can find the lessons.
"""
