"""Build hook: compile the text catalogues into the wheel. pyproject.toml holds everything else.

Every ``<package>/**/locale/<lang>/LC_MESSAGES/<domain>.po`` copied into the build gets
its compiled ``<domain>.mo`` beside it (Babel, as ``pybabel compile`` would: fuzzy and
empty translations are left out), so an installed insyn reads compiled catalogues and
never writes into its own installation. An editable install builds nothing: the
catalogue loader compiles the ``.po`` in memory when no ``.mo`` is present.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py

CATALOGUE_GLOB = "**/locale/*/LC_MESSAGES/*.po"
CATALOGUE_ERROR = "{path}: {count} message(s) with format errors, e.g. {example}"


def compile_catalogue(po: Path) -> Path:
    """Write ``po``'s compiled ``.mo`` beside it; raises ``ValueError`` on a format error."""
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=None)
    errors = list(catalog.check())
    if errors:
        message, problems = errors[0]
        example = f"{message.id!r}: {problems[0]}"
        raise ValueError(CATALOGUE_ERROR.format(path=po, count=len(errors), example=example))
    mo = po.with_suffix(".mo")
    with mo.open("wb") as handle:
        write_mo(handle, catalog)
    return mo


class BuildPyWithCatalogues(build_py):
    """``build_py`` that also compiles every catalogue it copied into the build."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for po in sorted(Path(self.build_lib).glob(CATALOGUE_GLOB)):
            compile_catalogue(po)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = list(super().get_outputs(include_bytecode))
        compiled = [str(Path(p).with_suffix(".mo")) for p in outputs if p.endswith(".po")]
        return outputs + [p for p in compiled if p not in outputs]


setup(cmdclass={"build_py": BuildPyWithCatalogues})
