"""Table of VAE diagnostics and of the current sampler's hit rate, for slots A and B."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from explorer.gui.widgets.object_names import named

ROWS = [
    ("model", lambda d, s: d.get("name", "")),
    ("kind", lambda d, s: d.get("kind", "").upper()),
    (
        "logvar min / mean / max",
        lambda d, s: _diag(d, "{logvar_min:.2f} / {logvar_mean:.2f} / {logvar_max:.2f}"),
    ),
    ("max |z − mu|", lambda d, s: _diag(d, "{max_abs_z_minus_mu:.3g}")),
    ("entries with |z − mu| > 0.05", lambda d, s: _diag(d, "{n_over}")),
    ("radius z vs mu: mean rel. diff", lambda d, s: _diag(d, "{radius_rel_diff_mean:.2%}")),
    ("radius z vs mu: max rel. diff", lambda d, s: _diag(d, "{radius_rel_diff_max:.2%}")),
    ("mean radius z / mu", lambda d, s: _radii(d)),
    ("active dims (KL > 0.01)", lambda d, s: _diag(d, "{active_dims}")),
    ("hit rate: every component within 3 half-widths", lambda d, s: _hits(s, "component")),
    ("hit rate: radius within data's 1–99 %", lambda d, s: _hits(s, "radius")),
]


def _diag(d: dict, fmt: str) -> str:
    diag = d.get("diagnostics")
    if diag is None:
        return "— (AE)" if d.get("kind") == "ae" else ""
    return fmt.format(n_over=diag.get("n_components_over_0.05"), **diag)


def _radii(d: dict) -> str:
    diag = d.get("diagnostics")
    if diag is None:
        return _diag(d, "")
    r = diag["radius_z_vs_mu"]
    return (
        f"{r.get('z_radius_mean', float('nan')):.2f} / {r.get('mu_radius_mean', float('nan')):.2f}"
    )


def _hits(s: dict | None, which: str) -> str:
    if not s:
        return ""
    h = s["hits"]
    return f"{h[f'{which}_hit_rate']:.1%} ({h[f'{which}_hits']}/{h['n_samples']})"


class DiagnosticsPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = named(QTableWidget(len(ROWS), 2), "diagnosticsTable")
        self.table.setHorizontalHeaderLabels(["A", "B"])
        self.table.setVerticalHeaderLabels([name for name, _ in ROWS])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setMinimumHeight(120)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.note = QLabel(wordWrap=True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(self.note)

    def update_table(
        self, slots: dict[str, dict[str, Any]], sampler: dict | None, sampler_name: str
    ) -> None:
        """``slots[slot]``: name, kind, diagnostics; ``sampler[slot]``: the sampler summary."""
        for col, slot in enumerate(("A", "B")):
            d = slots.get(slot) or {}
            s = (sampler or {}).get(slot)
            for row, (_, cell) in enumerate(ROWS):
                text = cell(d, s) if d else ""
                self.table.setItem(row, col, QTableWidgetItem(text))
        n = next((s["n"] for s in (sampler or {}).values()), 0)
        self.note.setText(
            f"Hit rates of {n} draws of the current sampler ({sampler_name})." if n else ""
        )
