"""Kept for model files written by insyn 0.1, whose ``MLmodel`` names this module as
the pyfunc loader; the loader lives in :mod:`register.store._model_io`."""

from register.store._model_io import _load_pyfunc

__all__ = ["_load_pyfunc"]
