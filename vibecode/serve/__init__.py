"""Classroom mode: ``vibecode serve`` serves the app to every browser in the room from one computer.

Parts (each small, one job):
- ``engine`` + ``prepare``: starts the shared model server (vibecode's own, or ``transformers serve``) or uses
  a URL; ``model_server`` + ``batcher`` + ``ragged``: vibecode's own server (continuous batching, no padding);
- ``fair`` + ``proxy``: the class line in front of it (round-robin turns, waiting time for the app);
- ``gate``: the class code on the school network;
- ``web``: textual-serve with no orphan app processes; ``launcher`` + ``classroom_app``: one tab's app;
- ``room``: all of it started and stopped together.
"""
