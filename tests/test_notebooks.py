"""Every analyst notebook runs top to bottom on the demo plant (executed with nbclient)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("*.ipynb"))


def test_notebooks_are_there_and_stripped():
    assert len(NOTEBOOKS) >= 4
    for path in NOTEBOOKS:
        book = nbformat.read(path, as_version=4)
        for cell in book.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, (
                    f"{path.name}: outputs must be stripped before committing")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path: Path, tmp_path: Path):
    book = nbformat.read(path, as_version=4)
    client = NotebookClient(book, timeout=900, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()  # raises CellExecutionError with the failing cell and traceback
    errors = [o for c in book.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert errors == []
    # every notebook shows something: at least one table or figure
    rich = [o for c in book.cells if c.cell_type == "code" for o in c.outputs
            if o.output_type in ("execute_result", "display_data")]
    assert rich, f"{path.name} displayed nothing"
    nbformat.write(book, tmp_path / path.name)  # the executed copy, for inspection
