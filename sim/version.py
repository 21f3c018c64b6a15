"""The package version, in a module of its own so that any layer can record it without importing the
package's public face (`sim/__init__.py`)."""

__version__ = "0.1.0"
