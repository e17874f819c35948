"""One row of the performance table, and the table itself (text and Markdown).

Every benchmark module in this folder has a ``rows()`` function that measures and returns
``Row``s; ``benchmarks/run`` gathers them into one table.
"""

import dataclasses
import os
import platform


@dataclasses.dataclass
class Row:
    """What was measured, our figure, the baseline measured in the same run, and the target.

    ``ratio`` is ours / baseline. ``met`` is True or False against the target, None where
    the row has no target (it is there to explain another row).
    """

    measured: str
    ours: float
    unit: str
    baseline: float | None = None
    baseline_label: str = ""
    target: str = ""
    met: bool | None = None
    # Where figure and baseline were timed in pairs: the median of the pairs' own ratios,
    # steadier on a shared machine than the ratio of the two medians.
    paired_ratio: float | None = None

    @property
    def ratio(self):
        if self.paired_ratio is not None:
            return self.paired_ratio
        if self.baseline is None or self.baseline == 0:
            return None
        return self.ours / self.baseline


def number(value, unit):
    if value is None:
        return ""
    if unit == "FLOP/s":
        return f"{value / 1e9:.1f} G"
    if abs(value) >= 1e5 or (0 < abs(value) < 1e-3):
        return f"{value:.3g}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def verdict(row):
    return {True: "met", False: "MISSED", None: ""}[row.met]


def cells(row):
    unit = row.unit
    baseline = ""
    if row.baseline is not None:
        baseline = f"{number(row.baseline, unit)} {unit} ({row.baseline_label})"
    ratio = "" if row.ratio is None else f"{row.ratio:.3g}"
    ours = f"{number(row.ours, unit)} {unit}"
    return [row.measured, ours, baseline, ratio, row.target, verdict(row)]


HEADER = ["measured", "ours", "baseline (same run)", "ours / baseline", "target", ""]


def text_table(rows):
    table = [HEADER, *(cells(row) for row in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(HEADER))]
    lines = []
    for index, line in enumerate(table):
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def markdown_table(rows):
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for row in rows:
        lines.append("| " + " | ".join(cell.replace("|", "/") for cell in cells(row)) + " |")
    return "\n".join(lines)


def machine():
    """The machine in words: CPU model, cores, memory, Python."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = ""
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages * size / 2**30:.0f} GiB RAM"
    except (ValueError, OSError):
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{model}, {cores} cores{memory}, Python {platform.python_version()}, CPU only"
