"""The training view of the main window: panel, controller, and the close-while-training
question. Kept apart so that main_window.py stays about exploring."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QMainWindow, QMessageBox

from explorer.gui.training.training_controller import TrainingController
from explorer.gui.training.training_panel import TrainingPanel

if TYPE_CHECKING:
    from explorer.gui.plots.plot_renderer import PlotRenderer


class TrainingDock:
    """Owns the training controller of a window and connects its panel to the window: what
    it needs of the window is passed in (the training package never imports the window)."""

    def __init__(
        self,
        window: QMainWindow,
        renderer: PlotRenderer,
        load_model: Callable[[str, str], object],
        show_view: Callable[[str], object],
    ) -> None:
        self.window, self.show_view = window, show_view
        self.controller = TrainingController(window)
        self.panel = TrainingPanel(renderer, self.controller)
        self.widget = self.panel  # the training view (its form scrolls in a column of its own)
        # "Explore latest checkpoint" loads a separate copy of the bundle into A or B: the
        # slot's own model thread loads it from disk, never the model being trained.
        self.panel.exploreCheckpoint.connect(lambda path, slot: load_model(slot, path))
        self.controller.failed.connect(
            lambda text: window.statusBar().showMessage(f"training: {text}")
        )
        self.controller.finished.connect(
            lambda r: window.statusBar().showMessage(
                f"training finished: {r.get('epochs_done')} epochs in {r.get('bundle')}"
            )
        )

    def show(self) -> None:
        self.show_view("training")

    def start(self, **options: Any) -> int:
        """Start (or queue) a training from a script; the form shows what was asked."""
        job = self.controller.start_training(**options)
        self.panel.set_options(**options)
        self.show()
        return job

    def confirm_close(self) -> bool:
        """Ask before closing while training runs; the answer ``No`` keeps the window open."""
        if not self.controller.busy():
            return True
        answer = QMessageBox.question(
            self.window,
            "Training is running",
            "A training is running. Stop it (the last finished epoch is kept) and quit?",
        )
        return answer == QMessageBox.StandardButton.Yes

    def shutdown(self) -> None:
        self.controller.shutdown()
