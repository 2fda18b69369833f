"""One reader per source format, each producing typed records (see ``loader.records``)."""
