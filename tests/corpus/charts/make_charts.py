"""Regenerate outputs.json: real chart outputs as Altair and Plotly emit them in a Jupyter kernel.

Run with altair and plotly installed: `python tests/corpus/charts/make_charts.py`.
Each entry is an nbformat display_data output, its bundle made by the libraries'
own Jupyter renderers (Altair's "mimetype", Plotly's "plotly_mimetype").
"""

from __future__ import annotations

import json
from pathlib import Path

import altair as alt
import plotly.graph_objects as go
import plotly.io as pio

ROWS = [{"city": c, "month": m, "rain": (i * 7 + j * 3) % 11} for i, c in enumerate("ABC") for j, m in enumerate(["jan", "feb", "mar"])]


def _display(bundle: dict, metadata: dict | None = None) -> dict:
    return {"output_type": "display_data", "data": bundle, "metadata": metadata or {}}


def altair_outputs() -> dict[str, dict]:
    alt.renderers.enable("mimetype")
    bar = alt.Chart(alt.Data(values=ROWS), title="Rain by city").mark_bar().encode(
        x="city:N", y="sum(rain):Q", color="month:N")
    line = alt.Chart(alt.Data(values=ROWS)).mark_line().encode(x="month:O", y="rain:Q", color="city:N")
    layered = line + line.mark_point()
    out = {}
    for name, chart in (("altair_bar", bar), ("altair_layer", layered)):
        bundle, meta = chart._repr_mimebundle_()
        out[name] = _display(bundle, meta)
    return out


def plotly_outputs() -> dict[str, dict]:
    fig = go.Figure([go.Bar(x=["A", "B", "C"], y=[3, 1, 2], name="rain"),
                     go.Scatter(x=["A", "B", "C"], y=[2, 2, 3], name="trend")])
    fig.update_layout(title="Rain", xaxis_title="city", yaxis_title="mm")
    bundle = pio.renderers["plotly_mimetype"].to_mimebundle(fig)
    bundle.setdefault("text/plain", repr(fig)[:200])
    return {"plotly_bar": _display(json.loads(json.dumps(bundle, default=str)))}


if __name__ == "__main__":
    outputs = {**altair_outputs(), **plotly_outputs()}
    Path(__file__).with_name("outputs.json").write_text(json.dumps(outputs, indent=1, sort_keys=True) + "\n")
