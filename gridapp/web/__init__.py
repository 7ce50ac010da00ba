"""Blueprints: thin routes that parse, call a service and render or answer JSON."""
