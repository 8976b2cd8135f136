"""The window's model slots A and B: loading (bundles or encoder/decoder pairs, trust, value
ranges), clearing, swapping, the data set they encode, reconstructions.

The window's ``slot_manager`` (a :class:`SlotManager`): it uses the window's ``slots``,
``runner``, ``models_panel``, ``grids``, ``sampler`` and status bar. Each slot's model is
used only on its own model thread (:mod:`explorer.gui.tasks.model_thread`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QMessageBox

from explorer.core.stats import slots as slot_tasks
from explorer.gui.side import model_ranges
from explorer.gui.side.model_slot import describe
from explorer.gui.tasks.model_thread import ModelController


@dataclass
class Slot:
    """What the window knows about one slot (the model itself is used only on its thread)."""

    name: str
    controller: ModelController
    source: dict | None = None  # {"spec"} or {"encoder", "decoder"}: how it was loaded
    model: Any = None
    dataset: Any = None
    encodings: Any = None
    summary: dict | None = None  # slot_tasks.data_summary of the encodings
    spec: Any = None
    grid: Any = None
    points_from: str = ""  # whose z-points its grid decodes: its own name, or "A" (shared)

    def data(self) -> slot_tasks.SlotData:
        enc = self.encodings
        stats = self.summary["stats"] if self.summary else None
        return slot_tasks.SlotData.of(self.model.z_dim, enc, stats)  # z, mu, labels


if TYPE_CHECKING:
    from explorer.gui.window.main_window import MainWindow


class SlotManager:
    """Model slots A and B of a window (its ``slot_manager``; see the module docstring)."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window

    def load_model(
        self,
        slot: str,
        path: str | Path | None = None,
        encoder=None,
        decoder=None,
        trust: bool = False,
        input_range=None,
        output_range=None,
    ) -> None:
        """Load a bundle (``path``) or an encoder/decoder pair into ``slot`` and encode the
        data set, in the slot's model thread. ``trust`` lets files run their Python code
        (asked in a dialog otherwise); ranges override the detected ones, and the ranges
        last chosen for the same files are used when none are given."""
        s = self.window.slots[slot]
        source: dict[str, Any] = (
            {"spec": str(path)}
            if path is not None
            else {"encoder": str(encoder), "decoder": str(decoder)}
        )
        remembered = model_ranges.recall(source)
        for key, value in (("input_range", input_range), ("output_range", output_range)):
            value = value if value is not None else remembered.get(key)
            if value is not None:
                source[key] = tuple(value)
        if trust:
            source["trust"] = True
        shown = source.get("spec") or source["encoder"]
        self.window.statusBar().showMessage(f"{slot}: loading {shown}…")
        self.window.models_panel.slots[s.name].set_loading(0.0, "loading…")
        if s.grid is None:
            self.window.grids.views[s.name].set_message(f"loading {Path(shown).name}…")
        s.controller.request(
            "load",
            {**source, "dataset": self.window.dataset_name, "data_range": self.window.data_range},
            on_done=lambda out: self.loaded_into(s, source, out),
            on_error=lambda text: self._load_failed(s, source, text),
            on_progress=lambda f, m: self.window.models_panel.slots[s.name].set_loading(f, m),
        )

    def load_source(self, slot: str, source: dict) -> None:
        """:meth:`load_model` from a slot's source dict (bundle or pair, trust, ranges)."""
        self.load_model(
            slot,
            source.get("spec"),
            source.get("encoder"),
            source.get("decoder"),
            trust=bool(source.get("trust")),
            input_range=source.get("input_range"),
            output_range=source.get("output_range"),
        )

    def set_ranges(self, slot: str, input_range=None, output_range=None) -> None:
        """Reload ``slot``'s model with these value ranges (``None``: detected), and remember
        them for its files."""
        s = self.window.slots[slot]
        if s.source is None:
            return
        base = {k: v for k, v in s.source.items() if k in ("spec", "encoder", "decoder")}
        model_ranges.remember(base, input_range, output_range)
        self.load_model(
            slot,
            base.get("spec"),
            base.get("encoder"),
            base.get("decoder"),
            trust=bool(s.source.get("trust")),
        )

    def loaded_into(self, s: Slot, source: dict, out: dict) -> None:
        if "untrusted" in out:
            self._ask_trust(s, {**source, "trust": True}, out)
            return
        s.source, s.model, s.dataset, s.encodings = (
            source,
            out["model"],
            out["dataset"],
            out["encodings"],
        )
        s.summary, s.grid = None, None
        said = [*s.model.load_notes, *([out["data_note"]] if out.get("data_note") else [])]
        note = f" ({'; '.join(said)})" if said else ""
        self.window.statusBar().showMessage(f"{s.name}: {s.model.name} loaded{note}", 8000)
        self.window.models_panel.slots[s.name].show_error("")
        self.show_slot(s)
        self.update_limits()
        enc = s.encodings
        self.window.runner.start(
            f"data{s.name}",
            slot_tasks.data_summary,
            enc.z,
            enc.mu,
            enc.logvar,
            on_done=lambda summary: self._summarised(s, summary),
            on_error=self.window.error,
        )
        self.window.sampling.draw_samples()
        if self.window.stage.current_view() == "reconstructions":  # loaded while on the stage
            self.window.reconstructions.show_first()

    def _ask_trust(self, s: Slot, source: dict, out: dict) -> None:
        """A file that runs code when loaded: ask, naming the file; load it only on Yes."""
        self.show_slot(s)
        text = (
            f"{out['untrusted']}\n\nThis file runs Python code when loaded (a Lambda layer or "
            "a custom class); load it only if you trust where it came from."
        )
        box = QMessageBox(
            QMessageBox.Icon.Warning, "Trust this model file?", text, parent=self.window
        )
        box.setObjectName("trustModelBox")
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        box.button(QMessageBox.StandardButton.Yes).setText("Load and run its code")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setModal(False)

        def answered(button) -> None:
            if box.standardButton(button) == QMessageBox.StandardButton.Yes:
                self.load_source(s.name, source)
            else:
                self.window.models_panel.slots[s.name].show_error(out["message"])
                self.window.error(f"{s.name}: not loaded: {out['message']}")

        box.buttonClicked.connect(answered)
        box.show()

    def _load_failed(self, s: Slot, source: dict, text: str) -> None:
        self.show_slot(s)
        self.window.models_panel.slots[s.name].show_error(text)
        self.window.error(f"could not load the model into {s.name}: {text}")
        box = QMessageBox(
            QMessageBox.Icon.Warning, "Could not load the model", text, parent=self.window
        )
        box.setObjectName("loadErrorBox")
        box.setModal(False)
        box.show()

    def _summarised(self, s: Slot, summary: dict) -> None:
        s.summary = summary
        self.window.sampling.draw_plots()
        self.window.summarise_soon()

    def show_slot(self, s: Slot) -> None:
        """Refresh the slot's panel and grid view from its state."""
        panel, view = self.window.models_panel.slots[s.name], self.window.grids.views[s.name]
        self.window.projection.data_changed()
        panel.show_ranges(s.model, s.source)
        if s.model is None:
            panel.set_text("empty")
            view.clear("empty slot: File → Open model…")
            return
        note = getattr(s.dataset, "value_note", "")
        shown = s.dataset.name if s.dataset is not None else self.window.dataset_name
        panel.set_text(describe(s.model, shown, len(s.encodings.z), note))
        view.title = f"{s.name}: {s.model.name} ({s.model.kind.upper()}, z_dim {s.model.z_dim})"
        if s.grid is None:
            view.clear("press Resample")
        else:
            self.window.sampling.show_grid(s, s.grid)

    def update_limits(self) -> None:
        dims = {s.model.z_dim for s in self.loaded()}
        images = min((len(s.dataset) for s in self.loaded()), default=5000)
        self.window.sampler.set_limits(min(dims, default=16), images, len(dims) <= 1)

    def loaded(self) -> list[Slot]:
        return [s for s in self.window.slots.values() if s.model is not None]

    def clear_slot(self, slot: str) -> None:
        s = self.window.slots[slot]
        s.controller.cancel()
        s.controller.request("clear")
        s.source = s.model = s.dataset = s.encodings = s.summary = s.spec = s.grid = None
        s.points_from = ""
        if self.window.grids.shown_tile is not None and self.window.grids.shown_tile[0] == slot:
            self.window.grids.clear_tile()
        self.show_slot(s)
        self.update_limits()
        self.window.sampling.draw_plots()

    def swap_slots(self) -> None:
        a, b = self.window.slots["A"], self.window.slots["B"]
        a.name, b.name = "B", "A"
        self.window.slots = {"A": b, "B": a}
        for s in self.window.slots.values():
            self.show_slot(s)
        self.window.grids.clear_tile()
        self.window.sampling.draw_plots()
        self.window.summarise_soon()

    def set_dataset(self, dataset: str, data_range: tuple[float, float] | None = None) -> None:
        """Encode ``dataset`` with both models (reloading them on their threads);
        ``data_range`` is the value range of a float array (``None``: detected)."""
        self.window.dataset_name = dataset
        if data_range is None:
            self.window.data_range = None
        else:
            lo, hi = data_range
            self.window.data_range = (lo, hi)
        for s in self.window.slots.values():
            if s.source is not None:
                self.load_source(s.name, s.source)

    def data_for(self, key: str) -> Any:
        """Encodings of slot ``A``/``B`` or, for ``datasetA``, its data set (panels ask);
        ``None`` for a key that names no slot (a map that no longer belongs to one)."""
        s = self.window.slots.get(key[-1:]) if key in ("A", "B", "datasetA", "datasetB") else None
        if s is None:
            return None
        return s.dataset if key.startswith("dataset") else s.encodings

    def reconstruct(self, slot: str, index: int, callback) -> None:
        """``callback(pixels)`` with slot's reconstruction of data set image ``index``."""
        s = self.window.slots[slot]
        if s.dataset is not None:
            s.controller.request(
                "reconstruct",
                {"images": s.dataset.image(index)[None]},
                on_done=lambda rec: callback(rec.pixels[0]),
                on_error=self.window.error,
            )


def untrusted_source(source: dict | None) -> dict | None:
    """A slot's source without its trust or custom code (which runs when loaded): neither is
    carried into another session."""
    kept = ("trust", "model_code")
    return None if source is None else {k: v for k, v in source.items() if k not in kept}
