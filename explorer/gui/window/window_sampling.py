"""The window's sampling: z-points from the sampler panel, decoded grids for A and B, the
live summary of the current sampler, the plots that show it, and grid export.

The window's ``sampling`` (a :class:`Sampling`): it uses the window's ``slots``,
``sampler``, ``runner``, ``grids``, ``histograms``, ``diagnostics`` and ``quality``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from explorer.core.stats import slots as slot_tasks
from explorer.gui.widgets.param_fields import set_field_text
from explorer.gui.window.window_slots import Slot

if TYPE_CHECKING:
    from explorer.gui.window.main_window import MainWindow


class Sampling:
    """Sampling, grids and the sampler plots of a window (its ``sampling``)."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window

    def sampler_request(self) -> slot_tasks.SamplerRequest:
        sp = self.window.sampler
        return slot_tasks.SamplerRequest(
            sp.sampler(),
            sp.params(),
            sp.rows.value(),
            sp.cols.value(),
            sp.seed.value(),
            sp.same_points(),
        )

    def resample(self) -> bool:
        """New z-points (Resample, ``R``): the next seed, shown in the seed box (which
        reproduces the grid), drawn and decoded by A and B; False if the parameters are
        invalid or no model is loaded (the seed then stays)."""
        if not self._can_draw():
            return False
        self.window.sampler.advance_seed()  # quietly: drawn here, not again by the edit's redraw
        self.window.summarise_soon()
        return self.draw_samples()

    def _can_draw(self) -> bool:
        if not self.window.sampler.is_valid():
            self.window.statusBar().showMessage("fix the sampler parameters first", 5000)
            return False
        return bool(self.window.slot_manager.loaded())

    def draw_samples(self) -> bool:
        """Draw the z-points of the sampler's current values and seed and decode them with A
        and B (after a load, an edit of the sampler); False if the parameters are invalid."""
        if not self._can_draw():
            return False
        self._start_for_slots("samples", slot_tasks.grid_samples, self._render)
        self.window.quality.resampled()
        return True

    def quality_inputs(self) -> Any:
        """What the Quality tab computes with: the sampler, its parameters and seed, and
        the loaded slots (:class:`~explorer.gui.quality.quality_panel.Inputs`); None when the
        sampler's parameters are invalid or no slot has encoded data."""
        from explorer.gui.quality.quality_run import Inputs, SlotInput

        if not self.window.sampler.is_valid():
            return None
        slots = [
            SlotInput(s.name, s.model.name, s.model.z_dim, s.dataset, s.data(), s.controller)
            for s in self.window.slot_manager.loaded()
            if s.encodings is not None and s.dataset is not None
        ]
        if not slots:
            return None
        sp = self.window.sampler
        return Inputs(sp.sampler(), sp.params(), sp.seed.value(), sp.method.currentText(), slots)

    def quality_sampler_changed(self) -> None:
        """Offer the current sampler's numeric parameters for the quality sweep."""
        params = self.window.sampler.params() if self.window.sampler.is_valid() else None
        self.window.quality.sampler_changed(self.window.sampler.sampler(), params)

    def interpolate_between(self, slot: str, first: int, last: int) -> None:
        """Set the sampler to interpolate from data set image ``first`` to ``last`` (picked
        on ``slot``'s map) and resample."""
        fields = self.window.sampler.fields["interpolate"]
        self.window.sampler.method.setCurrentIndex(
            self.window.sampler.method.findData("interpolate")
        )
        set_field_text(fields["start_index"], str(first))
        set_field_text(fields["end_index"], str(last))
        self.window.statusBar().showMessage(
            f"interpolating from image #{first} to #{last} (picked on the map of {slot})", 8000
        )
        self.draw_samples()

    def _sampler_error(self, text: str) -> None:
        self.window.sampler.show_error(text)
        self.window.error(text)

    def _render(self, out: dict) -> None:
        self.window.sampler.show_error("")
        for name, (spec, samples) in out.items():
            # shared z-points are one array object (slot_tasks.grid_samples)
            self.window.slots[name].points_from = next(
                n for n, (_, o) in out.items() if o is samples
            )
            self._render_slot(
                self.window.slots[name], replace(spec, sharpen=self.sharpen_params()), samples
            )

    def _render_slot(self, s: Slot, spec: Any, samples: Any) -> None:
        s.controller.request(
            "render",
            {"samples": samples, "spec": spec},
            on_done=lambda grid, s=s, spec=spec: self._rendered(s, spec, grid),
            on_error=lambda text, s=s: self.window.grids.views[s.name].set_message(
                f"error: {text}"
            ),
        )

    def sharpen_params(self) -> dict[str, Any]:
        """How the grids are sharpened now (see :meth:`set_sharpening`)."""
        from explorer.core.util.imaging import DEFAULT_SHARPEN

        return dict(self.window.sharpening or DEFAULT_SHARPEN)

    def set_sharpening(self, params: dict[str, Any]) -> None:
        """Sharpen the grids this way from now on (``{"method": "unsharp", "radius",
        "percent", "threshold"}`` or ``{"method": "enhance", "factor"}``, as ``--sharpen-*``);
        the grids on screen are sharpened again from the same z-points."""
        from explorer.core.util.imaging import check_sharpening

        check_sharpening(params)  # one clear line if invalid
        self.window.sharpening = dict(params)
        for s in self.window.slot_manager.loaded():
            if s.grid is not None:
                self._render_slot(s, replace(s.spec, sharpen=dict(params)), s.grid.samples)

    def _rendered(self, s: Slot, spec: Any, grid: Any) -> None:
        s.spec, s.grid = spec, grid
        self.show_grid(s, grid)
        self._follow_tile(s)

    def _follow_tile(self, s: Slot) -> None:
        """The enlarged tile and its z-vector show the new grid's tile at the same place,
        or nothing when the new grid has no such tile."""
        shown = self.window.grids.shown_tile
        if shown is None or shown[0] != s.name or s.grid is None:
            return
        if shown[1] < len(s.grid.samples.z):
            self.show_tile(s.name, shown[1])
        else:
            self.window.grids.clear_tile()

    def show_grid(self, s: Slot, grid: Any) -> None:
        h, w = grid.images.shape[1:3]
        layout = (s.spec.rows, s.spec.cols, s.spec.padding, h, w)
        self.window.grids.views[s.name].set_grid(grid.image, grid.sharpened, layout)

    def show_tile(self, slot: str, index: int) -> None:
        s = self.window.slots[slot]
        if s.grid is not None:
            self.window.grids.show_tile(
                slot, index, s.grid.samples.z[index], s.encodings, s.dataset
            )

    def refresh_sampler_summary(self) -> None:
        if not self.window.sampler.is_valid() or not self.window.slot_manager.loaded():
            return
        self._start_for_slots("sampler", slot_tasks.sampler_summary, self._sampler_summarised)

    def _start_for_slots(self, name: str, work: Callable, on_done: Callable) -> None:
        """Run ``work(request, slots)`` for the sampler's request and every loaded slot's
        data on the window's runner (a bad parameter is the sampler's error line)."""
        slots = {s.name: s.data() for s in self.window.slot_manager.loaded()}
        self.window.runner.start(
            name,
            work,
            self.sampler_request(),
            slots,
            on_done=on_done,
            on_error=self._sampler_error,
        )

    def _sampler_summarised(self, result: dict) -> None:
        self.window.sampler_result = result
        self.draw_plots()

    def draw_plots(self) -> None:
        """Redraw the plots soon; several requests in a row make one redraw."""
        self.window.draw_plots_soon()

    def _plot_inputs(self) -> tuple[dict, dict, dict, str]:
        """(data summaries, model names, sampler summaries, sampler label) by slot."""
        data = {
            s.name: s.summary for s in self.window.slot_manager.loaded() if s.summary is not None
        }
        names = {s.name: s.model.name for s in self.window.slot_manager.loaded()}
        sampler = {k: v for k, v in (self.window.sampler_result or {}).items() if k in data}
        return data, names, sampler, self.window.sampler.method.currentText()

    def draw_components_now(self) -> None:
        """Another slot or component of the component view: only its plots are redrawn."""
        data, names, sampler, _ = self._plot_inputs()
        self.window.histograms.draw_components(data, sampler or None, names, keep_layout=True)

    def draw_plots_now(self) -> None:
        data, names, sampler, label = self._plot_inputs()
        self.window.histograms.draw_radius(data, sampler or None, names, label)
        self.window.histograms.draw_components(data, sampler or None, names)
        table = {
            s.name: {
                "name": s.model.name,
                "kind": s.model.kind,
                "diagnostics": (s.summary or {}).get("diagnostics"),
            }
            for s in self.window.slot_manager.loaded()
        }
        self.window.diagnostics.update_table(table, sampler, label)

    def export_grid(
        self, slot: str, path: str | Path, sharpened: bool = False, gif: bool = False
    ) -> list[Path]:
        """Write the slot's grid like ``latent-explorer sample`` (PNG, JSON, .npy, with
        ``sharpened`` also ``.sharp.png``, with ``gif`` also the column animation ``.gif``)."""
        from explorer.core.latent.grids import export_grid

        s = self._with_grid(slot)
        spec = s.spec if sharpened else replace(s.spec, sharpen=None)
        grid = s.grid if sharpened else replace(s.grid, sharpened=None)
        # which z-points: "own" (drawn from this slot's data and the seed) or another slot's
        points = "own" if s.points_from in ("", s.name) else f"{s.points_from}'s"
        extra = {"slot": slot, "z_points": points}
        return export_grid(grid, spec, path, dataset=self.window.dataset_name, gif=gif, extra=extra)

    def export_gif(self, slot: str, path: str | Path) -> Path:
        """Write the slot's grid as an animation: frame k shows column k of every row."""
        from explorer.core.util.imaging import column_frames, save_gif

        s = self._with_grid(slot)
        save_gif(column_frames(s.grid.images, s.spec.rows, s.spec.cols, s.spec.padding), path)
        return Path(path)

    def _with_grid(self, slot: str) -> Slot:
        from explorer.core.errors import ExplorerError

        s = self.window.slots[slot]
        if s.grid is None:
            raise ExplorerError(f"slot {slot} has no grid to export yet")
        return s
