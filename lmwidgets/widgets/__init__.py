"""The views: ipywidgets controls and a matplotlib figure, calling core for every number."""
