"""Chart outputs (Vega-Lite / Altair, Vega, Plotly): drawn as images with a converter, else summarised.

The outputs come from the real libraries (tests/corpus/charts/outputs.json, made
by make_charts.py with Altair 6 and Plotly 7). The image tests need the optional
converters (`runt-tui[charts]`): vl-convert-python is in the test extra, so the
Vega path runs in CI; kaleido needs a Chrome it downloads on first use, so the
Plotly image test runs only where it can convert. The text summary is always tested.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console, RenderableType

from runt_tui.render import (
    ImagePayload,
    RenderOptions,
    choose_mime,
    clear_render_cache,
    render_output,
)
from runt_tui.render.charts import chart_png, chart_summary, is_chart

OUTPUTS: dict[str, dict[str, Any]] = json.loads(
    (Path(__file__).parent / "corpus" / "charts" / "outputs.json").read_text()
)
VL6 = "application/vnd.vegalite.v6.json"
PLOTLY = "application/vnd.plotly.v1+json"
HAVE_VLC = importlib.util.find_spec("vl_convert") is not None
NO_IMAGES = RenderOptions(images="none")


def text(renderable: RenderableType) -> str:
    console = Console(width=100, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def output(name: str) -> dict[str, Any]:
    return copy.deepcopy(OUTPUTS[name])


def relabelled(name: str, mime: str) -> dict[str, Any]:
    """A real output with its chart entry under another MIME type (Altair 4/5 name theirs so)."""
    out = output(name)
    data = out["data"]
    (old,) = [m for m in data if is_chart(m)]
    data[mime] = data.pop(old)
    return out


@pytest.fixture
def no_converters(monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine without the optional converters: importing them fails."""
    for name in ("vl_convert", "plotly", "plotly.io", "kaleido"):
        monkeypatch.setitem(sys.modules, name, None)
    clear_render_cache()


def test_chart_mimes_rank_above_their_text_and_html() -> None:
    for name in OUTPUTS:
        data = OUTPUTS[name]["data"]
        assert choose_mime({**data, "text/html": "<div></div>"}) in (VL6, PLOTLY), name


@pytest.mark.usefixtures("no_converters")
def test_altair_bar_without_converter_is_summarised() -> None:
    result = render_output(output("altair_bar"), cache=False)
    assert result.mime == VL6
    assert not result.placeholder and result.image is None
    shown = text(result.renderable)
    assert "Vega-Lite v6 chart: Rain by city · bar" in shown
    assert "x: city (nominal)" in shown
    assert "y: sum(rain) (quantitative)" in shown
    assert "color: month (nominal)" in shown
    assert "9 data rows" in shown
    assert "alt.Chart" not in shown  # the bare repr is not what is shown


@pytest.mark.usefixtures("no_converters")
def test_altair_layer_lists_every_layers_mark_and_fields() -> None:
    shown = text(render_output(output("altair_layer"), cache=False).renderable)
    assert "line, point" in shown
    assert "x: month (ordinal)" in shown and "color: city (nominal)" in shown


@pytest.mark.usefixtures("no_converters")
def test_plotly_without_converter_is_summarised() -> None:
    result = render_output(output("plotly_bar"), cache=False)
    assert result.mime == PLOTLY and result.image is None and not result.placeholder
    shown = text(result.renderable)
    assert "Plotly chart: Rain · bar, scatter" in shown
    assert "x: city, y: mm" in shown and "traces: rain, trend" in shown
    assert "2 traces, 6 points" in shown


@pytest.mark.parametrize("mime", ["application/vnd.vegalite.v5+json", "application/vnd.vegalite.v4+json"])
def test_older_vegalite_versions_are_charts_too(mime: str) -> None:
    result = render_output(relabelled("altair_bar", mime), options=NO_IMAGES, cache=False)
    assert result.mime == mime
    assert f"Vega-Lite v{mime[-6]} chart" in text(result.renderable)


def test_images_off_means_a_summary_even_with_a_converter() -> None:
    result = render_output(output("altair_bar"), options=NO_IMAGES, cache=False)
    assert result.image is None
    assert "x: city (nominal)" in text(result.renderable)


@pytest.mark.parametrize("spec", [
    {"mark": 3, "encoding": [1, 2], "data": "x"},
    {"layer": [None, {"layer": "x"}], "title": {"text": ["a", "\x1b[31mb"]}},
    {"data": [{"values": 5}], "marks": "no"},
    {},
])
def test_malformed_specs_are_summarised_without_raising(spec: dict[str, Any]) -> None:
    for mime in (VL6, "application/vnd.vega.v5+json", PLOTLY):
        shown = text(chart_summary(mime, spec))
        assert "chart" in shown and "\x1b" not in shown


def test_chart_text_that_is_not_json_falls_back_to_plain_text() -> None:
    out = {"output_type": "display_data", "data": {VL6: "{not json", "text/plain": "alt.Chart(...)"}}
    result = render_output(out, cache=False)
    assert "alt.Chart(...)" in text(result.renderable)


@pytest.mark.skipif(not HAVE_VLC, reason="vl-convert-python (runt-tui[charts]) is not installed")
def test_altair_chart_is_drawn_as_an_image_with_vl_convert() -> None:
    result = render_output(output("altair_bar"), cache=False)
    assert result.mime == VL6
    assert isinstance(result.image, ImagePayload) and result.image.mime == "image/png"
    assert 100 < result.image.width < 1000 and 100 < result.image.height < 1000
    for mime in ("application/vnd.vegalite.v5+json", "application/vnd.vegalite.v4+json"):
        older = render_output(relabelled("altair_bar", mime), cache=False)
        assert older.image is not None, mime


@pytest.mark.skipif(not HAVE_VLC, reason="vl-convert-python (runt-tui[charts]) is not installed")
def test_a_chart_naming_a_url_or_file_is_summarised_not_fetched(tmp_path: Path) -> None:
    data = tmp_path / "rain.csv"
    data.write_text("city,rain\nA,1\nB,2\n")
    out = output("altair_bar")
    spec = out["data"][VL6]
    spec.pop("datasets", None)
    spec["data"] = {"url": data.as_uri()}
    assert chart_png(VL6, spec) is None
    result = render_output(out, cache=False)
    assert result.image is None
    assert "1 data URL (not fetched)" in text(result.renderable)


def _plotly_converts() -> bool:
    if importlib.util.find_spec("kaleido") is None:
        return False
    return chart_png(PLOTLY, OUTPUTS["plotly_bar"]["data"][PLOTLY]) is not None


@pytest.mark.skipif(not _plotly_converts(), reason="kaleido (runt-tui[charts]) cannot convert here (needs Chrome)")
def test_plotly_chart_is_drawn_as_an_image_with_kaleido() -> None:
    result = render_output(output("plotly_bar"), cache=False)
    assert isinstance(result.image, ImagePayload) and (result.image.width, result.image.height) == (700, 450)


@pytest.mark.skipif(importlib.util.find_spec("altair") is None, reason="altair is not installed")
def test_a_chart_built_now_with_altair_is_summarised_from_its_bundle() -> None:
    import altair as alt

    alt.renderers.enable("mimetype")
    chart = alt.Chart(alt.Data(values=[{"k": "a", "v": 1}, {"k": "b", "v": 2}])).mark_area().encode(x="k:N", y="v:Q")
    bundle, metadata = chart._repr_mimebundle_()
    out = {"output_type": "display_data", "data": bundle, "metadata": metadata}
    shown = text(render_output(out, options=NO_IMAGES, cache=False).renderable)
    assert "area" in shown and "x: k (nominal)" in shown and "2 data rows" in shown
