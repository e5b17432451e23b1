"""Save a project as a .py file or as an HTML page with its story, and say where it went."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("vibecode.ui")


def export_project(store: Any, project_id: Any, kind: str, output: str | None = None) -> str:
    """Write the export next to the child's other exports; return a sentence saying where it is."""
    from vibecode.store import export

    try:
        project = store.get(project_id)
        if kind == "py":
            text, suffix = export.export_py(project, store.current(project_id)), ".py"
        else:
            text, suffix = export.export_html(store, project_id, output=output or None), ".html"
        path = export.write_export(export.default_export_path(project, suffix), text)
    except Exception:
        log.exception("export failed")
        return "Sorry, I couldn't save that file. Try again, or ask your teacher."
    what = "Python file" if kind == "py" else "web page"
    return f"Saved your {what} here: {path}"
