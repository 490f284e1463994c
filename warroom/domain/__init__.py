"""The war room's vocabulary: alerts, signals, runbooks and the incident.

Pure Python only. Nothing here may import a UI or network library; a test and the
import-linter contracts in pyproject.toml hold that line.
"""
