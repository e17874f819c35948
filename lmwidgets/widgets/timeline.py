"""ModelTimeline: parameters and training compute of notable models, on a log axis."""

import html
import math

from lmwidgets.core.scale import exponential_growth, fit_exponential_growth
from lmwidgets.datasets import model_timeline
from lmwidgets.language import Words, language, say, say_in_figure
from lmwidgets.widgets._base import Explorer, new_figure
from lmwidgets.widgets._controls import Control

import ipywidgets as widgets
import numpy as np

QUANTITIES = {
    "parameters": "parameters",
    "training compute": "training_compute_flops",
}
_QUANTITY_WORDS = {
    "parameters": Words("parameters", "参数"),
    "training compute": Words("training compute", "训练算力"),
}
_MOE = Words("mixture of experts", "混合专家模型")
_ACTIVE = Words("MoE: active per token", "MoE：每个词元激活的参数")
_FITTED = Words("fitted growth", "拟合的增长")


def _key():
    return (
        f'<span style="font-size:90%"><span style="color:#ff7f0e">&#9675;</span> {_MOE}'
        f' &nbsp; <span style="color:#ff7f0e">&#8226;</span> {_ACTIVE} &nbsp; '
        f"<b>- - -</b> {_FITTED}</span>"
    )


# Labels under the points (drawn over a cached picture of them, the points must cover them
# as they do in a full draw).
LABEL_ZORDER = 1.9
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
# The details' names as shown (in English the table's column names).
_DETAIL_NAMES = {
    "model": Words("model", "模型"),
    "date": Words("date", "日期"),
    "organization": Words("organization", "机构"),
    "architecture": Words("architecture", "架构"),
    "params_nominal": Words("params_nominal", "名义参数量"),
    "params_exact": Words("params_exact", "精确参数量"),
    "active_params": Words("active_params", "每词元激活参数"),
    "training_tokens": Words("training_tokens", "训练词元数"),
    "training_compute_flops": Words("training_compute_flops", "训练算力（FLOPs）"),
    "hardware_time": Words("hardware_time", "硬件与时长"),
    "source": Words("source", "来源（原文）"),
}
# The table's words in Chinese (its names of models, hardware and papers stay as they are).
_ARCHITECTURES_ZH = {
    "Decoder Transformer": "解码器 Transformer",
    "Decoder Transformer (GQA)": "解码器 Transformer（GQA）",
    "Decoder Transformer (MQA SwiGLU)": "解码器 Transformer（MQA、SwiGLU）",
    "Decoder Transformer (SwiGLU RoPE)": "解码器 Transformer（SwiGLU、RoPE）",
    "Enc-dec Transformer": "编码器-解码器 Transformer",
    "Encoder Transformer": "编码器 Transformer",
    "Sparse MoE (8 experts top-2)": "稀疏 MoE（8 个专家，top-2）",
}
_HARDWARE_ZH = (
    (" cluster (hours not disclosed)", " 集群（时长未公开）"),
    ("up to ", "最多 "),
    (" days", " 天"),
    (" nodes", " 个节点"),
    ("pre-train", "预训练"),
    ("(blog)", "（博客）"),
)


def _timeline_table():
    table = model_timeline()
    table["decimal_year"] = table["date"].dt.year + (table["date"].dt.month - 1) / 12
    table["parameters"] = table["params_exact"].fillna(table["params_nominal"])
    return table


# The shipped CSV fixes the models and years a learner can pick.
_TABLE = _timeline_table()
_FIRST = int(_TABLE["year"].min())


def _last_fit_year(table):
    """The latest first year from which every quantity still has two dense models at
    different dates to fit a growth rate to."""
    last = []
    for column in QUANTITIES.values():
        known = table[table[column].notna() & table["active_params"].isna()]
        dates = known.groupby("year")["decimal_year"].nunique().sort_index(ascending=False)
        last.append(int(dates.index[dates.cumsum() >= 2][0]))
    return min(last)


_LAST_FIT = _last_fit_year(_TABLE)


class ModelTimeline(Explorer):
    """Notable models over time on a log axis, with a fitted growth rate.

    Choose what to plot (parameters, or training compute where it is known), the
    first year the growth fit uses, and a model to read its row and source.
    Mixture-of-experts models are drawn hollow; their active parameters per
    token are marked with a small dot below.
    """

    CONTROLS = (
        Control("quantity", "choice", "parameters", label=Words("plot", "绘制"),
                options=tuple((_QUANTITY_WORDS[q], q) for q in QUANTITIES)),
        Control("fit_since", "int", 2017, low=_FIRST, high=_LAST_FIT,
                label=Words("fit from", "拟合起始年")),
        Control("model", "choice", "GPT-3", options=tuple(_TABLE["model"]),
                label=Words("details", "详情")),
    )  # fmt: skip

    def __init__(self, **settings):
        self.table = _TABLE.copy()
        self.details = widgets.HTML()
        # The figure's key as HTML under it: text there costs nothing to redraw.
        self.key = widgets.HTML(_key())
        self.labels = []
        self._labels_key = None
        self._plotted_cache = {}  # quantity -> the rows plotted, as arrays
        self._selected_cache = {}  # (model, column) -> its details and point
        super().__init__(**settings)

    def build_figure(self):
        figure = new_figure(8, 3.6)
        self.axes = figure.add_subplot()
        self.axes.set_yscale("log")
        self.points = self.axes.scatter([], [], s=30, zorder=3)
        self.moe_points = self.axes.scatter(
            [], [], s=30, facecolors="none", edgecolors="C1", zorder=3, label=_MOE.in_figure()
        )
        self.active_points = self.axes.scatter(
            [], [], s=10, color="C1", marker=".", zorder=3, label=_ACTIVE.in_figure()
        )
        self.excluded_points = self.axes.scatter([], [], s=30, color="0.75", zorder=2)
        (self.fit_line,) = self.axes.plot([], [], "k--", lw=1, label=_FITTED.in_figure())
        (self.selected_point,) = self.axes.plot(
            [], [], "o", ms=12, mfc="none", mec="C3", mew=2, zorder=4
        )
        self.axes.set_xlabel(say_in_figure("date", "日期"))
        self.axes.grid(True, which="major", alpha=0.3)
        # Fixed margins: the title changes, the layout must not jump.
        figure.subplots_adjust(left=0.09, right=0.98, top=0.9, bottom=0.14)
        return figure

    def footer(self):
        return [self.key, self.details]

    def compute(self, changed):
        s = self.settings
        plotted = self._plotted(s["quantity"])
        moe = plotted["moe"]
        in_fit = (plotted["year"] >= s["fit_since"]) & ~moe
        growth = fit_exponential_growth(plotted["years"][in_fit], plotted["values"][in_fit])
        self.notice = ("", "info")
        if not math.isfinite(growth["doubling_months"]):
            since, factor = s["fit_since"], growth["factor_per_year"]
            self.notice = (
                say(
                    f"Since {since} the dense models in this table have not grown "
                    f"(x{factor:.2f} per year): there is no doubling time "
                    "(doubling_months is inf). Fit from an earlier year to see the trend.",
                    f"自 {since} 年起，此表中的稠密模型没有增长（每年 x{factor:.2f}）："
                    "没有翻倍时间（doubling_months 为 inf）。从更早的年份开始拟合即可看到趋势。",
                ),
                "warning",
            )
        fit_years = np.array([s["fit_since"], plotted["years"].max()])
        models = plotted["models"]
        return {
            "quantity": s["quantity"],
            "fit_since": s["fit_since"],
            "models": list(models),
            "years": plotted["years"].copy(),
            "values": plotted["values"].copy(),
            "active_params": plotted["active_params"].copy(),
            "in_fit": in_fit,
            "moe": moe.copy(),
            "labelled": plotted["labelled"].copy(),
            "fitted_models": [models[i] for i in np.flatnonzero(in_fit)],
            "growth": growth,
            "fit_line": {
                "years": fit_years,
                "values": exponential_growth(fit_years, growth),
            },
            **self._selected(s["model"], QUANTITIES[s["quantity"]]),
        }

    def _plotted(self, quantity):
        """The rows with a known value of ``quantity``, as arrays (the table's lookups cost
        more than a redraw, and depend on the quantity only)."""
        if quantity not in self._plotted_cache:
            column = QUANTITIES[quantity]
            known = self.table[self.table[column].notna()]
            moe = known["active_params"].notna() & (quantity == "parameters")
            self._plotted_cache[quantity] = {
                "models": list(known["model"]),
                "year": known["year"].to_numpy(),
                "years": known["decimal_year"].to_numpy(dtype=float),
                "values": known[column].to_numpy(dtype=float),
                # A dense model uses every parameter for each token (the CSV leaves it blank).
                "active_params": known["active_params"]
                .fillna(known["parameters"])
                .to_numpy(dtype=float),
                "moe": moe.to_numpy(),
                # The record-setters (largest so far) and the MoE models get a label.
                "labelled": (known[column] >= known[column].cummax()).to_numpy() | moe.to_numpy(),
            }
        return self._plotted_cache[quantity]

    def _selected(self, model, column):
        key = (model, column)
        if key not in self._selected_cache:
            row = self.table[self.table["model"] == model].iloc[0]
            selected = {"model": row["model"], "date": row["date"].strftime("%Y-%m")}
            for name in _DETAIL_COLUMNS:
                item = row[name]
                if isinstance(item, float) and not np.isfinite(item):
                    continue
                selected[name] = item.item() if hasattr(item, "item") else item
            # Where the chosen model sits in the plot (nowhere if its value is unknown).
            point = (row["decimal_year"], row[column]) if np.isfinite(row[column]) else ()
            self._selected_cache[key] = (selected, np.array(point, dtype=float))
        selected, point = self._selected_cache[key]
        return {"selected": dict(selected), "selected_point": point.copy()}

    def render(self, result):
        years, values = result["years"], result["values"]
        in_fit, moe = result["in_fit"], result["moe"]
        self.points.set_offsets(np.column_stack([years[in_fit], values[in_fit]]))
        out = ~in_fit & ~moe
        self.excluded_points.set_offsets(np.column_stack([years[out], values[out]]))
        self.moe_points.set_offsets(np.column_stack([years[moe], values[moe]]))
        self.active_points.set_offsets(np.column_stack([years[moe], result["active_params"][moe]]))
        self.fit_line.set_data(result["fit_line"]["years"], result["fit_line"]["values"])
        # The labels and axes depend on the quantity only: they stay in the cached picture
        # that a change of fit_since or model is drawn over (dynamic_artists).
        labels_key = (result["quantity"], tuple(np.flatnonzero(result["labelled"])))
        if labels_key != self._labels_key:
            for label in self.labels:
                label.remove()
            self.labels = [
                self.axes.annotate(
                    result["models"][i],
                    (years[i], values[i]),
                    fontsize=6,
                    xytext=(3, 3),
                    textcoords="offset points",
                    color="0.3",
                    zorder=LABEL_ZORDER,
                )  # fmt: skip
                for i in labels_key[1]
            ]
            self._labels_key = labels_key
        self.axes.set_xlim(years.min() - 1, years.max() + 1.5)
        self.axes.set_ylim(values.min() / 3, values.max() * 5)
        quantity, growth = result["quantity"], result["growth"]
        self.axes.set_ylabel(
            say_in_figure("parameters", "参数")
            if quantity == "parameters"
            else say_in_figure("training FLOPs", "训练 FLOPs")
        )
        months, factor = growth["doubling_months"], growth["factor_per_year"]
        since = result["fit_since"]
        if math.isfinite(months):
            trend = say_in_figure(
                f"doubling every {months:.1f} months", f"每 {months:.1f} 个月翻一番"
            )
        else:
            trend = say_in_figure("no doubling: shrinking", "没有翻倍：在缩小")
        self.axes.set_title(
            say_in_figure(
                f"{quantity} since {since}: x{factor:.2f} per year ({trend})",
                f"{_QUANTITY_WORDS[quantity].zh}，自 {since} 年起：每年 x{factor:.2f}（{trend}）",
            ),
            fontsize=10,
        )
        point = result["selected_point"]
        self.selected_point.set_data(point[:1], point[1:])
        shown = [
            (str(_DETAIL_NAMES.get(name, name)), self._shown(name, value))
            for name, value in result["selected"].items()
        ]
        cells = "".join(
            f"<tr><td style='padding-right:1em'><b>{html.escape(name)}</b></td>"
            f"<td>{html.escape(value)}</td></tr>"
            for name, value in shown
        )
        self.details.value = f"<table style='font-size:90%'>{cells}</table>"

    def dynamic_artists(self):
        # The MoE points too: above the excluded points, a full draw paints them again.
        return (
            self.points,
            self.excluded_points,
            self.moe_points,
            self.active_points,
            self.fit_line,
            self.selected_point,
            self.axes.title,
        )

    def background_key(self):
        return self._labels_key

    @classmethod
    def _shown(cls, name, value):
        """A detail as the table shows it: in Chinese, the table's words translated and the
        source quoted as it is written (a citation keeps the language of what it cites)."""
        text = cls._format(value)
        if language() != "zh":
            return text
        if name == "architecture":
            return _ARCHITECTURES_ZH.get(text, text)
        if name == "organization":
            return text.replace(" et al.", " 等")
        if name == "hardware_time":
            for english, chinese in _HARDWARE_ZH:
                text = text.replace(english, chinese)
        if name == "source":
            return f'"{text}"'
        return text

    @staticmethod
    def _format(value):
        if isinstance(value, float | int) and not isinstance(value, bool):
            return f"{value:,.0f}" if value < 1e15 else f"{value:.3g}"
        return str(value)
