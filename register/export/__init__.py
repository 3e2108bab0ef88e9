"""Exports of the register in published standards, and reading them back (private subpackage).

``export_register`` writes every published record as the NL Algoritmeregister
standard 1.0.0 and 1.0.10, the Eurocities standard 0.3.1, the UK ATRS 3.0, CSV,
global explanations as open data and a DCAT-AP catalogue; ``record_exports`` gives
one version's downloads (with a printable page in Swedish and English);
``import_standard`` reads an NL, Eurocities or ATRS export back.
"""

from register.export._common import ExportError, ExportOmission
from register.export._csv import CSV_COLUMNS
from register.export._explanations import EXPLANATION_CSV_COLUMNS
from register.export._import import ImportReport, StandardImportError, import_standard
from register.export._records import record_exports, standard_omissions
from register.export._writer import ExportedFile, ExportReport, export_register

__all__ = [
    "CSV_COLUMNS",
    "EXPLANATION_CSV_COLUMNS",
    "ExportError",
    "ExportOmission",
    "ExportReport",
    "ExportedFile",
    "ImportReport",
    "StandardImportError",
    "export_register",
    "import_standard",
    "record_exports",
    "standard_omissions",
]
