"""The bundled reference servers: the default target and the suite's negative controls.

They import nothing from the suite; the suite knows them only as a base URL and a config.
"""
