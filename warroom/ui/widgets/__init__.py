"""The console's widgets: one per module, named after its class."""
