"""The SQLAlchemy 2.x persistence adapter: tables, tenant filter, repositories, unit of work."""
