"""Modal dialogs: each only asks, and hands the answer to whoever opened it."""
