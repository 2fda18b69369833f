"""Sources -> typed records -> DCAT-AP 3 quads -> a validated, atomically published store."""
