"""Screens: the war room itself, and the small modal dialogs it opens."""
