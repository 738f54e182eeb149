-- On PostgreSQL analytics already keeps its tables in the main database (its own
-- migrations 0002-0004 make analytics_goals, analytics_shares and analytics_experiments),
-- so a change and its audit record share a transaction with nothing to move.
SELECT 1;
