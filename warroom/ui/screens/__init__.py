"""Screens: the war room, its boot frame, and the frame (layout, tabs) they share."""
