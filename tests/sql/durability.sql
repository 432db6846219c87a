-- durability.sql: the settings and statements of the redo log
-- (docs/durability.md); the host server has no disk, so these only show
-- that they are accepted and reported as PostgreSQL does.
SHOW synchronous_commit;
SET synchronous_commit = off;
SHOW synchronous_commit;
SET synchronous_commit TO DEFAULT;
SHOW synchronous_commit;
CREATE TABLE dur_t (id int PRIMARY KEY, v text);
INSERT INTO dur_t VALUES (1, 'a'), (2, 'b');
CHECKPOINT;
SELECT * FROM dur_t ORDER BY id;
DROP TABLE dur_t;
