"""Every notebook in notebooks/ runs top to bottom on the bundled sample (nbclient)."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.py"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path):
    jupytext = pytest.importorskip("jupytext")
    nbclient = pytest.importorskip("nbclient")
    nb = jupytext.read(path)
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert params, f"{path.name}: the first code cell must be tagged 'parameters'"
    # Run in tmp_path: outputs land there, never in the working directory.
    params[0].source += f"\nOUT = {str(tmp_path / 'run')!r}\n"
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    # no progress-bar warnings ("TqdmWarning: IProgress not found") in what readers see
    noise = [o["text"] for c in nb.cells for o in c.get("outputs", [])
             if o.get("name") == "stderr" and "Warning" in o.get("text", "")]
    assert not noise, noise
