"""The newest schema revision, in a module that imports nothing: the quick read path
(``store.quickread``) checks it without loading SQLAlchemy or Alembic."""

HEAD = "0010"  # the newest revision in migrations/versions (tests/store/test_migrations.py)
