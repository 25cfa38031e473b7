"""The bundled specs (YAML files beside this module)."""
