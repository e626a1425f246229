"""The pipeline's steps, one module each (the order is in ``newswash.pipeline``)."""
