"""Two sessions share one notebook and one kernel (run: python examples/programmatic.py)."""

from __future__ import annotations

from runt_tui import Session

# Session 1: create and execute a cell.
s1 = Session(notebook_id="shared-notebook")
s1.connect()
s1.start_kernel()
cell_id = s1.create_cell("x = 42")
s1.execute_cell(cell_id)

# Session 2: the same document and the same kernel.
s2 = Session(notebook_id="shared-notebook")
s2.connect()
s2.start_kernel()  # reuses the running kernel

cells = s2.get_cells()
assert any(c.id == cell_id for c in cells)

cell_id2 = s2.create_cell("print(x)")
result = s2.execute_cell(cell_id2)
print(result.stdout, end="")  # "42\n"
assert result.stdout == "42\n"

s1.close()
s2.close()
