"""The ``liftformer`` command line."""
