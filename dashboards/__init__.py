"""twinbench's Panel dashboards: ``app.py`` (served) assembles the pages in ``pages/``."""
