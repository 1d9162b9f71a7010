"""ipywidgets through the daemon with a real ipykernel: shared state, clicks, tqdm, interact, saving.

One in-process daemon for the module; alice, bob and carol are three clients
of room "main". Every wait polls for content (see conftest.until).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
import pytest_asyncio
from conftest import until
from kernel_support import Env, Peer, join_pair, kernel_env, run

from runt_tui.client import Session

pytestmark = pytest.mark.asyncio(loop_scope="module")

VIEW = "application/vnd.jupyter.widget-view+json"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def env() -> AsyncIterator[Env]:
    async with kernel_env() as e:
        yield e


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def trio(env: Env) -> tuple[Peer, Peer, Peer]:
    alice, bob = await join_pair(env)
    carol = await env.join("main", "carol")
    return alice, bob, carol


def view_id(result: Any) -> str:
    """The model id of the widget view a cell displayed."""
    views = [o["data"][VIEW]["model_id"] for o in result.outputs if VIEW in (o.get("data") or {})]
    assert views, result.outputs
    return str(views[-1])


async def test_slider_changed_by_one_client_is_seen_by_kernel_and_others(trio: tuple[Peer, Peer, Peer]) -> None:
    alice, bob, carol = trio
    mirror = carol.s.widget_mirror()
    r = await run(alice, "import ipywidgets as w\ns = w.IntSlider(value=3, max=10, description='n')\ns")
    sid = view_id(r)
    await until(lambda: sid in mirror.models, "carol's mirror to get the slider")
    assert mirror.models[sid]["value"] == 3 and mirror.models[sid]["_model_name"] == "IntSliderModel"
    await bob.s.update_widget(sid, value=7)
    printed = await run(alice, "print(s.value)")
    assert printed.stdout.strip() == "7"
    await until(lambda: mirror.models[sid]["value"] == 7, "carol to see bob's change")
    # A kernel-side change reaches every client.
    await run(alice, "s.value = 9")
    await until(lambda: mirror.models[sid]["value"] == 9, "carol to see the kernel's change")
    assert (await bob.s.widget_state(sid))["value"] == 9


async def test_button_click_runs_on_click(trio: tuple[Peer, Peer, Peer]) -> None:
    alice, bob, _ = trio
    r = await run(alice, "import ipywidgets as w\nclicks = []\nb = w.Button(description='go')\n"
                         "b.on_click(lambda _: clicks.append(1))\nb")
    await bob.s.send_widget_message(view_id(r), {"event": "click"})
    await bob.s.send_widget_message(view_id(r), {"event": "click"})
    assert (await run(alice, "print(len(clicks))")).stdout.strip() == "2"


async def test_blocking_session_api_and_comm_info(env: Env, trio: tuple[Peer, Peer, Peer]) -> None:
    alice, _, _ = trio
    r = await run(alice, "import ipywidgets as w\ncb = w.Checkbox(value=False)\ncb")
    cid = view_id(r)
    info = await alice.s.comm_info()
    assert info["comms"][cid]["target_name"] == "jupyter.widget"

    def script() -> tuple[Any, ...]:
        with Session(notebook_id="main", home=env.home, name="script") as s:
            before = s.widget_state(cid)["value"]
            s.update_widget(cid, value=True)
            with pytest.raises(KeyError):
                s.widget_state("no-such-model")
            return before, s.widgets()[cid]["value"]

    before, after = await asyncio.to_thread(script)
    assert (before, after) == (False, True)
    assert (await run(alice, "print(cb.value)")).stdout.strip() == "True"


async def test_late_joiner_gets_current_state(env: Env, trio: tuple[Peer, Peer, Peer]) -> None:
    alice, _, _ = trio
    r = await run(alice, "import ipywidgets as w\nt = w.Text(value='hello')\nt")
    await run(alice, "t.value = 'changed'")
    dave = await env.join("main", "dave")
    mirror = dave.s.widget_mirror()
    tid = view_id(r)
    await until(lambda: tid in mirror.models, "dave's snapshot")
    assert mirror.models[tid]["value"] == "changed"


async def test_rapid_changes_end_on_the_last_value_everywhere(trio: tuple[Peer, Peer, Peer]) -> None:
    alice, bob, carol = trio
    r = await run(alice, "import ipywidgets as w\nr = w.IntSlider(max=1000)\nr")
    sid = view_id(r)
    ma, mb = bob.s.widget_mirror(), carol.s.widget_mirror()
    await until(lambda: sid in ma.models and sid in mb.models, "both mirrors")
    seen: list[int] = []
    ma.listeners.append(lambda mid: seen.append(ma.models[sid]["value"]) if mid == sid else None)
    for v in range(1, 101):
        ma.set(sid, value=v)
    mb.set(sid, value=500)
    await until(lambda: (not ma._pending.get(sid)) and (not mb._pending.get(sid)), "echoes")
    daemon_value = (await alice.s.widget_state(sid))["value"]
    assert ma.models[sid]["value"] == mb.models[sid]["value"] == daemon_value
    # Bob's own drag never jumps back to an older value of his.
    own = [v for v in seen if v != 500]
    assert own == sorted(own)
    assert (await run(alice, "print(r.value)")).stdout.strip() == str(daemon_value)


async def test_tqdm_notebook_one_bar_in_two_clients_and_small_document(env: Env, trio: tuple[Peer, Peer, Peer]) -> None:
    alice, bob, carol = trio
    before = len(env.daemon.rooms[alice.s.room].doc.save())
    mb, mc = bob.s.widget_mirror(), carol.s.widget_mirror()
    r = await run(alice, "from tqdm.notebook import tqdm\nimport time\n"
                         "for i in tqdm(range(1000)):\n    time.sleep(0.0005)")
    views = [o for o in r.outputs if VIEW in (o.get("data") or {})]
    assert len(views) == 1, r.outputs
    box = view_id(r)

    def bar(m: Any) -> dict[str, Any] | None:
        children = (m.models.get(box) or {}).get("children") or []
        for ref in children:
            child = m.models.get(str(ref).removeprefix("IPY_MODEL_"))
            if child is not None and child.get("_model_name") == "FloatProgressModel":
                return child
        return None

    for m in (mb, mc):
        await until(lambda m=m: (bar(m) or {}).get("value") == 1000, "the bar to reach 100 %")
        assert bar(m)["max"] == 1000  # type: ignore[index]
    grown = len(env.daemon.rooms[alice.s.room].doc.save()) - before
    assert grown < 20_000, grown


async def test_interact_dropdown_rerenders_output(trio: tuple[Peer, Peer, Peer]) -> None:
    alice, bob, _ = trio
    mirror = bob.s.widget_mirror()
    r = await run(alice, "from ipywidgets import interact\n"
                         "@interact(x=['apple', 'pear'])\ndef f(x):\n    print('chose', x)")
    box = view_id(r)
    await until(lambda: box in mirror.models, "the interact box")
    kids = [str(c).removeprefix("IPY_MODEL_") for c in mirror.models[box]["children"]]
    dropdown = next(k for k in kids if mirror.models[k]["_model_name"] == "DropdownModel")
    out = next(k for k in kids if mirror.models[k]["_model_name"] == "OutputModel")

    def out_text() -> str:
        return "".join(o.get("text", "") for o in mirror.models[out].get("outputs") or [])

    await until(lambda: "chose apple" in out_text(), "the first render")
    mirror.set(dropdown, index=1)
    await until(lambda: "chose pear" in out_text(), "interact to re-render its Output")
    assert "chose apple" not in out_text()
    # Captured, not written into the cell: the cell still has only the widget view.
    cell = alice.s.get_cell(r.cell_id)
    assert not any(o.get("output_type") == "stream" for o in cell.outputs)


async def test_output_widget_with_megabytes_reaches_every_client(trio: tuple[Peer, Peer, Peer]) -> None:
    # The state travels in the event's payload: a header this size would be over its cap.
    alice, bob, carol = trio
    mirror = carol.s.widget_mirror()
    r = await run(alice, "import ipywidgets as w\nbig = w.Output()\nwith big:\n    print('x' * 6_000_000)\nbig")
    oid = view_id(r)
    await until(lambda: sum(len(o.get("text", "")) for o in (mirror.models.get(oid) or {}).get("outputs") or []) > 6_000_000,
                "the big Output to reach carol")
    assert carol.s.connection_state == "connected" and bob.s.connection_state == "connected"
    assert len(str((await bob.s.widget_state(oid))["outputs"])) > 6_000_000


async def test_saved_file_holds_widget_state_and_validates(env: Env, tmp_path: Path) -> None:
    path = Path(env.home).parent / "saved.ipynb"
    nb = nbformat.v4.new_notebook()
    nbformat.write(nb, str(path))
    p = await env.join(path=path, name="saver")
    await p.s.start_kernel()
    r = await run(p, "import ipywidgets as w\nw.FloatSlider(value=2.5)")
    sid = view_id(r)
    await p.s.save()
    data = json.loads(path.read_text())
    nbformat.validate(nbformat.reads(path.read_text(), as_version=4))
    state = data["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]
    assert state["version_major"] == 2 and state["version_minor"] == 0
    assert state["state"][sid]["model_name"] == "FloatSliderModel"
    assert state["state"][sid]["state"]["value"] == 2.5


async def test_restart_clears_models_and_says_so(env: Env) -> None:
    p = await env.join("restart-room", "r")
    await p.s.start_kernel()
    # A kernel's death clears its models as a restart does (both through RoomWidgets.reset).
    mirror = p.s.widget_mirror()
    r = await run(p, "import ipywidgets as w\nw.Checkbox(value=True)")
    cid = view_id(r)
    await until(lambda: cid in mirror.models, "the checkbox")
    await p.s.restart_kernel()
    await until(lambda: not mirror.models and mirror.reset_reason is not None, "the models to go")
    assert "restart" in (mirror.reset_reason or "")
    assert await p.s.widgets() == {}
    # A kernel that dies clears its models too, and says why.
    r = await run(p, "import ipywidgets as w\nw.IntSlider()")
    await until(lambda: view_id(r) in mirror.models, "the new slider")
    os.kill(int(p.kernel()["pid"]), signal.SIGKILL)
    await until(lambda: not mirror.models and "died" in (mirror.reset_reason or ""), "the death to clear the models")
