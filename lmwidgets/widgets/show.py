"""One way to show a static matplotlib figure in a lesson: as a PNG picture.

A bare ``matplotlib.figure.Figure`` as a cell's value has no picture of its own in
JupyterLab (only the text ``<Figure size 600x280 with 1 Axes>``) unless pyplot's inline
backend happens to be active; ``lmwidgets.show(figure)`` is a picture everywhere.
"""

import io

from IPython.display import Image
from matplotlib.figure import Figure


def show(figure):
    """``figure`` drawn as PNG, tightly cropped: the value of a cell, or ``display(show(f))``."""
    if not isinstance(figure, Figure):
        raise TypeError(
            f"show takes a matplotlib Figure. Received: figure of type {type(figure).__name__}."
        )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight", facecolor="white")
    return Image(buffer.getvalue(), format="png")
