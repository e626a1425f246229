"""newswash: a deduplicating news scraping and cleaning pipeline."""

from newswash.prefect_env import set_defaults

__version__ = "0.1.0"

set_defaults()
