"""newswash: a deduplicating news scraping and cleaning pipeline."""

__version__ = "0.1.0"
