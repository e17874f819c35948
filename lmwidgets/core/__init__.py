"""The computation behind every widget: numbers in, numbers out, done with Keras.

No ipywidgets, no matplotlib, no display here.
"""

from lmwidgets import backend as _backend

_backend.require()
