"""DCAT-AP 3 mapping: one module per entity kind, all writing N-Quads text."""
