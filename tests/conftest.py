import os

# No test may touch the network: the offline MNIST sample is the data.
os.environ.setdefault("LMWIDGETS_OFFLINE", "1")
os.environ.setdefault("KERAS_BACKEND", "jax")
