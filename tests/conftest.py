import os

# No test may touch the network: the offline MNIST sample is the data.
os.environ.setdefault("LMWIDGETS_OFFLINE", "1")
os.environ.setdefault("KERAS_BACKEND", "jax")

# The property tests draw the same examples on every run (a red CI is then a real
# change, not a new draw); HYPOTHESIS_PROFILE=explore draws new ones to hunt for bugs.
from hypothesis import settings  # noqa: E402

settings.register_profile("ci", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
