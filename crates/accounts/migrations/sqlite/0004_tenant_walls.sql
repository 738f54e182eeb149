-- SQLite has no row-level security; on SQLite the first wall (every query names its
-- organization) is the only one. The PostgreSQL file of this migration adds the second.
SELECT 1;
