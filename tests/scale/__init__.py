"""Scale-out: several server and worker processes on PostgreSQL and Redis keep every guarantee."""
