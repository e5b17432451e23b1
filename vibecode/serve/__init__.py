"""Classroom mode: ``vibecode serve`` serves the app to every browser in the room from one computer.

Parts (each small, one job):
- ``engine``: starts the shared model server (``transformers serve --continuous-batching``) or uses a URL;
- ``fair`` + ``proxy``: the class line in front of it (round-robin turns, waiting time for the app);
- ``gate``: the class code on the school network;
- ``web``: textual-serve with no orphan app processes; ``launcher`` + ``classroom_app``: one tab's app;
- ``room``: all of it started and stopped together.
"""
