"""Writing to the register: registration, publication, retirement and what they store
for auditors, and the model folder ``insyn register FOLDER`` reads."""

from register.lifecycle._folder import DemoBuild, FolderError, ModelFolder, load_folder

__all__ = ["DemoBuild", "FolderError", "ModelFolder", "load_folder"]
