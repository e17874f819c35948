"""ModelTimeline: parameters and training compute of notable models, on a log axis."""

import html

from lmwidgets.core.scale import fit_exponential_growth
from lmwidgets.datasets import model_timeline
from lmwidgets.widgets._base import Explorer, new_figure

import ipywidgets as widgets
import numpy as np

QUANTITIES = {
    "parameters": "parameters",
    "training compute": "training_compute_flops",
}
_DETAIL_COLUMNS = (
    "organization",
    "architecture",
    "params_nominal",
    "params_exact",
    "active_params",
    "training_tokens",
    "training_compute_flops",
    "hardware_time",
    "source",
)


def _timeline_table():
    table = model_timeline()
    table["decimal_year"] = table["date"].dt.year + (table["date"].dt.month - 1) / 12
    table["parameters"] = table["params_exact"].fillna(table["params_nominal"])
    return table


class ModelTimeline(Explorer):
    """Notable models over time on a log axis, with a fitted growth rate.

    Choose what to plot (parameters, or training compute where it is known), the
    first year the growth fit uses, and a model to read its row and source.
    Mixture-of-experts models are drawn hollow; their active parameters per
    token are marked with a small dot below.
    """

    def __init__(self, quantity="parameters", fit_since=2017, model="GPT-3"):
        self.table = _timeline_table()
        if quantity not in QUANTITIES:
            raise ValueError(
                f"Unknown quantity {quantity!r}; expected one of {', '.join(QUANTITIES)}."
            )
        if model not in set(self.table["model"]):
            raise ValueError(
                f"Unknown model {model!r}; expected one of {', '.join(self.table['model'])}."
            )
        first, last = int(self.table["year"].min()), int(self.table["year"].max())
        controls = {
            "quantity": widgets.Dropdown(
                options=list(QUANTITIES), value=quantity, description="plot"
            ),
            "fit_since": widgets.IntSlider(
                value=fit_since, min=first, max=last - 1, description="fit from"
            ),
            "model": widgets.Dropdown(
                options=list(self.table["model"]), value=model, description="details"
            ),
        }
        self.details = widgets.HTML()
        figure = new_figure(8, 3.6)
        self.axes = figure.add_subplot()
        self.axes.set_yscale("log")
        self.points = self.axes.scatter([], [], s=30, zorder=3)
        self.moe_points = self.axes.scatter(
            [], [], s=30, facecolors="none", edgecolors="C1", zorder=3, label="mixture of experts"
        )
        self.active_points = self.axes.scatter(
            [], [], s=10, color="C1", marker=".", zorder=3, label="MoE: active per token"
        )
        self.excluded_points = self.axes.scatter([], [], s=30, color="0.75", zorder=2)
        (self.fit_line,) = self.axes.plot([], [], "k--", lw=1, label="fitted growth")
        (self.selected_point,) = self.axes.plot(
            [], [], "o", ms=12, mfc="none", mec="C3", mew=2, zorder=4
        )
        self.labels = []
        self.axes.set_xlabel("date")
        self.axes.grid(True, which="major", alpha=0.3)
        self.axes.legend(fontsize=7, loc="upper left")
        # Fixed margins: the title changes, the layout must not jump.
        figure.subplots_adjust(left=0.09, right=0.98, top=0.9, bottom=0.14)
        super().__init__(controls, figure, footer=[self.details])

    def update(self):
        quantity = self.controls["quantity"].value
        since = self.controls["fit_since"].value
        column = QUANTITIES[quantity]
        known = self.table[self.table[column].notna()]
        moe = known["active_params"].notna() & (quantity == "parameters")
        in_fit = (known["year"] >= since) & ~moe
        fitted = known[in_fit]
        growth = fit_exponential_growth(fitted["decimal_year"], fitted[column])

        def xy(rows, col=column):
            return np.column_stack([rows["decimal_year"], rows[col]]) if len(rows) else None

        empty = np.empty((0, 2))
        dense_in, dense_out = known[in_fit], known[~in_fit & ~moe]
        self.points.set_offsets(xy(dense_in) if len(dense_in) else empty)
        self.excluded_points.set_offsets(xy(dense_out) if len(dense_out) else empty)
        self.moe_points.set_offsets(xy(known[moe]) if moe.any() else empty)
        self.active_points.set_offsets(xy(known[moe], "active_params") if moe.any() else empty)
        years = np.array([since, known["decimal_year"].max()])
        self.fit_line.set_data(years, 10 ** (growth["slope"] * years + growth["intercept"]))
        for label in self.labels:
            label.remove()
        # Label the record-setters (largest so far) and the MoE models; every row is
        # in the details table.
        record = known[column] >= known[column].cummax()
        self.labels = [
            self.axes.annotate(
                row.model,
                (row.decimal_year, row[column]),
                fontsize=6,
                xytext=(3, 3),
                textcoords="offset points",
                color="0.3",
            )
            for _, row in known[record | moe].iterrows()
        ]
        low, high = known[column].min(), known[column].max()
        self.axes.set_xlim(known["decimal_year"].min() - 1, known["decimal_year"].max() + 1.5)
        self.axes.set_ylim(low / 3, high * 5)
        self.axes.set_ylabel("parameters" if quantity == "parameters" else "training FLOPs")
        self.axes.set_title(
            f"{quantity} since {since}: x{growth['factor_per_year']:.2f} per year "
            f"(doubling every {growth['doubling_months']:.1f} months)",
            fontsize=10,
        )
        selected = self._select(column)
        self.result = {
            "quantity": quantity,
            "fit_since": since,
            "models": list(known["model"]),
            "years": known["decimal_year"].to_numpy(dtype=float),
            "values": known[column].to_numpy(dtype=float),
            "fitted_models": list(fitted["model"]),
            "growth": growth,
            "selected": selected,
        }

    def _select(self, column):
        row = self.table[self.table["model"] == self.controls["model"].value].iloc[0]
        value = row[column]
        if np.isfinite(value):
            self.selected_point.set_data([row["decimal_year"]], [value])
        else:
            self.selected_point.set_data([], [])
        selected = {"model": row["model"], "date": row["date"].strftime("%Y-%m")}
        for name in _DETAIL_COLUMNS:
            item = row[name]
            if isinstance(item, float) and not np.isfinite(item):
                continue
            selected[name] = item.item() if hasattr(item, "item") else item
        cells = "".join(
            f"<tr><td style='padding-right:1em'><b>{html.escape(name)}</b></td>"
            f"<td>{html.escape(self._format(value))}</td></tr>"
            for name, value in selected.items()
        )
        self.details.value = f"<table style='font-size:90%'>{cells}</table>"
        return selected

    @staticmethod
    def _format(value):
        if isinstance(value, float | int) and not isinstance(value, bool):
            return f"{value:,.0f}" if value < 1e15 else f"{value:.3g}"
        return str(value)
