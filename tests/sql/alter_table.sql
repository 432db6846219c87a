-- ALTER TABLE: keys, columns, defaults, NOT NULL, renames, constraints.
CREATE TABLE branches (bid integer NOT NULL, bbalance integer, filler text);
INSERT INTO branches VALUES (1, 0, 'a'), (2, 0, 'b'), (1, 5, 'dup');
-- pgbench's form; duplicates refuse the key and change nothing
alter table branches add primary key (bid);
DELETE FROM branches WHERE filler = 'dup';
alter table branches add primary key (bid);
INSERT INTO branches VALUES (2, 1, 'c');
ALTER TABLE branches ADD PRIMARY KEY (bbalance);
ALTER TABLE branches ADD CONSTRAINT other_pk PRIMARY KEY (bbalance);
ALTER TABLE branches ADD PRIMARY KEY (nope);
SELECT bid, bbalance FROM branches WHERE bid = 2;
-- a key over a column with NULLs
CREATE TABLE nk (a integer, b integer);
INSERT INTO nk VALUES (1, NULL);
ALTER TABLE nk ADD PRIMARY KEY (b);
ALTER TABLE nk ADD CONSTRAINT nk_key PRIMARY KEY (a);
INSERT INTO nk VALUES (1, 2);
ALTER TABLE nk DROP CONSTRAINT nk_key;
INSERT INTO nk VALUES (1, 2);
ALTER TABLE nk DROP CONSTRAINT nk_key;
ALTER TABLE nk DROP CONSTRAINT IF EXISTS nk_key;
-- UNIQUE constraints
ALTER TABLE nk ADD UNIQUE (a);
ALTER TABLE nk ADD CONSTRAINT nk_b_u UNIQUE (b);
INSERT INTO nk VALUES (3, 2);
ALTER TABLE nk DROP CONSTRAINT nk_b_u;
INSERT INTO nk VALUES (3, 2);
-- ADD COLUMN with DEFAULT and NOT NULL
ALTER TABLE branches ADD COLUMN note text DEFAULT 'none';
ALTER TABLE branches ADD COLUMN n2 integer NOT NULL DEFAULT 7, ADD COLUMN n3 integer;
ALTER TABLE branches ADD COLUMN n4 integer NOT NULL;
ALTER TABLE branches ADD COLUMN note text;
ALTER TABLE branches ADD COLUMN IF NOT EXISTS note text;
ALTER TABLE branches ADD n5 varchar(3) DEFAULT 'toolong';
SELECT * FROM branches ORDER BY bid;
INSERT INTO branches (bid) VALUES (3);
SELECT * FROM branches WHERE bid = 3;
-- DROP COLUMN; the key and its index stay usable
ALTER TABLE branches DROP COLUMN filler;
ALTER TABLE branches DROP COLUMN filler;
ALTER TABLE branches DROP COLUMN IF EXISTS filler;
SELECT * FROM branches ORDER BY bid;
INSERT INTO branches VALUES (3, 0, 'x', 1, 1);
UPDATE branches SET bbalance = bbalance + 10 WHERE bid = 1;
SELECT bid, bbalance FROM branches WHERE bid = 1;
-- dropping a key column drops the key
ALTER TABLE branches DROP COLUMN bid;
INSERT INTO branches VALUES (0, 'y', 1, 1);
SELECT count(*) FROM branches;
-- RENAME COLUMN and RENAME TO
ALTER TABLE nk RENAME COLUMN a TO aa;
ALTER TABLE nk RENAME b TO aa;
ALTER TABLE nk RENAME COLUMN zz TO yy;
SELECT aa, b FROM nk ORDER BY aa, b;
INSERT INTO nk VALUES (1, 9);
ALTER TABLE nk RENAME TO nk2;
SELECT aa FROM nk;
SELECT aa FROM nk2 ORDER BY aa;
ALTER TABLE nk2 RENAME TO branches;
-- SET/DROP DEFAULT, SET/DROP NOT NULL
CREATE TABLE d (id integer PRIMARY KEY, v integer);
ALTER TABLE d ALTER COLUMN v SET DEFAULT 42;
INSERT INTO d (id) VALUES (1);
ALTER TABLE d ALTER v DROP DEFAULT;
INSERT INTO d (id) VALUES (2);
SELECT * FROM d ORDER BY id;
ALTER TABLE d ALTER COLUMN v SET NOT NULL;
DELETE FROM d WHERE v IS NULL;
ALTER TABLE d ALTER COLUMN v SET NOT NULL;
INSERT INTO d (id) VALUES (3);
ALTER TABLE d ALTER COLUMN v DROP NOT NULL;
INSERT INTO d (id) VALUES (3);
ALTER TABLE d ALTER COLUMN id DROP NOT NULL;
ALTER TABLE d ALTER COLUMN nope SET DEFAULT 1;
ALTER TABLE d ALTER COLUMN v SET DEFAULT 'abc';
-- missing tables
ALTER TABLE nosuch ADD COLUMN a integer;
ALTER TABLE IF EXISTS nosuch ADD COLUMN a integer;
DROP TABLE branches, nk2, d;
