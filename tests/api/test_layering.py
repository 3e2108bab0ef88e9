"""The API stays a client of the register: it imports only ``register``'s public names
(never ``register._x``, ``register.store``, mlflow or shap), the register never imports
it, and ``api`` exports exactly its curated ``__all__``."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import pytest

import api
import register
from tests.test_architecture import runtime_imports, sources

API = sources("api")


def _public(module: ModuleType) -> set[str]:
    """Names a user sees in ``module``: not private, not a submodule."""
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and not isinstance(value, ModuleType)
    }


def test_api_imports_only_the_top_level_register_names() -> None:
    wrong = []
    for name, path in API.items():
        for target in runtime_imports(path):
            if target == "register" or not target.startswith("register"):
                continue
            _, _, rest = target.partition(".")
            if "." in rest or rest not in register.__all__:
                wrong.append(f"{name} imports {target}")
    assert wrong == []


@pytest.mark.parametrize("library", ["mlflow", "shap", "explainers", "app_pages", "streamlit"])
def test_api_imports_no_store_library_explainer_or_portal(library: str) -> None:
    found = {
        name
        for name, path in API.items()
        if any(m == library or m.startswith(library + ".") for m in runtime_imports(path))
    }
    assert found == set()


def test_the_register_never_imports_the_api() -> None:
    everything = sources("register", "app_pages", "explainers", "streamlit_app.py")
    found = {
        name
        for name, path in everything.items()
        if any(m == "api" or m.startswith("api.") for m in runtime_imports(path))
    }
    assert found == set()


def test_api_exports_exactly_its_curated_names() -> None:
    assert len(api.__all__) == len(set(api.__all__))
    assert set(api.__all__) == _public(api)
    for name in api.__all__:
        assert getattr(api, name) is not None, name


@pytest.mark.parametrize(
    "module", [m.name for m in pkgutil.iter_modules(api.__path__) if m.name.startswith("_")]
)
def test_each_private_module_names_what_it_offers(module: str) -> None:
    loaded = importlib.import_module(f"api.{module}")
    exported = getattr(loaded, "__all__", None)
    assert exported is not None, f"api.{module} has no __all__"
    assert all(hasattr(loaded, name) for name in exported), f"api.{module}"
