-- Secondary indexes, UNIQUE constraints and primary keys (unidb's ddl work).
CREATE TABLE items (id integer PRIMARY KEY, code text UNIQUE, grp integer, qty integer);
INSERT INTO items VALUES (1, 'a', 10, 5), (2, 'b', 10, 6), (3, 'c', 20, 7), (4, NULL, 20, 8), (5, NULL, NULL, 9);
-- the unique constraint's index is items_code_key; NULLs never conflict
INSERT INTO items VALUES (6, 'a', 30, 1);
INSERT INTO items VALUES (6, NULL, 30, 1);
INSERT INTO items VALUES (1, 'z', 30, 1);
SELECT id, code FROM items WHERE code IS NULL ORDER BY id;
-- a failed multi-row insert leaves no index entry behind
INSERT INTO items VALUES (7, 'x', 1, 1), (8, 'x', 1, 1);
INSERT INTO items VALUES (7, 'x', 1, 1);
SELECT id FROM items WHERE code = 'x';
-- updates move index entries; a conflicting update changes nothing
UPDATE items SET code = 'b' WHERE id = 1;
UPDATE items SET code = 'aa' WHERE id = 1;
SELECT id, code FROM items WHERE code = 'aa' OR code = 'a' ORDER BY id;
INSERT INTO items VALUES (9, 'a', 1, 1);
DELETE FROM items WHERE code = 'a';
SELECT count(*) FROM items WHERE code = 'a';

-- CREATE INDEX: default names, numbering, IF NOT EXISTS, errors
CREATE INDEX ON items (grp);
CREATE INDEX ON items (grp);
CREATE INDEX ON items (grp, qty DESC NULLS LAST);
CREATE INDEX items_qty ON items USING btree (qty);
CREATE INDEX items_qty ON items (qty);
CREATE INDEX IF NOT EXISTS items_qty ON items (qty);
CREATE INDEX items_nope ON items (nope);
CREATE INDEX ON nosuch (a);
CREATE INDEX items ON items (qty);
CREATE UNIQUE INDEX items_grp_u ON items (grp, qty);
INSERT INTO items VALUES (21, 'r', 10, 6);
INSERT INTO items VALUES (21, 'r', NULL, 9);
CREATE UNIQUE INDEX items_qty_u ON items (qty);
INSERT INTO items VALUES (20, 'q', 1, 9);
SELECT id, grp FROM items WHERE grp = 10 ORDER BY id;
SELECT id, grp FROM items WHERE grp >= 20 ORDER BY id;
SELECT id, grp, qty FROM items WHERE grp = 20 AND qty > 7 ORDER BY id;
SELECT id FROM items WHERE grp IS NULL;
SELECT id, qty FROM items WHERE qty BETWEEN 6 AND 8 ORDER BY qty;
UPDATE items SET qty = qty + 100 WHERE qty = 7;
SELECT id, qty FROM items WHERE qty = 107;
SELECT id, qty FROM items WHERE qty = 7;

-- DROP INDEX
DROP INDEX items_grp_idx, items_grp_idx1;
DROP INDEX items_grp_idx;
DROP INDEX IF EXISTS items_grp_idx, items_qty;
DROP INDEX items_pkey;
DROP INDEX items_code_key;
DROP INDEX items;
SELECT id FROM items WHERE qty = 9 ORDER BY id;

-- multi-column unique constraints, named constraints
CREATE TABLE pairs (a integer, b integer, c text, UNIQUE (a, b), CONSTRAINT pairs_c_uniq UNIQUE (c));
INSERT INTO pairs VALUES (1, 1, 'x'), (1, 2, 'y'), (1, NULL, 'z'), (1, NULL, NULL), (NULL, NULL, NULL);
INSERT INTO pairs VALUES (1, 2, 'w');
INSERT INTO pairs VALUES (2, 2, 'x');
SELECT a, b, c FROM pairs WHERE a = 1 AND b = 2;
CREATE TABLE named (id integer CONSTRAINT named_id_pk PRIMARY KEY, v integer CONSTRAINT named_v_u UNIQUE);
INSERT INTO named VALUES (1, 1), (2, 1);
INSERT INTO named VALUES (1, 2);
CREATE TABLE twopk (a integer PRIMARY KEY, b integer, CONSTRAINT twopk_b PRIMARY KEY (b));
CREATE TABLE badcol (a integer, UNIQUE (nope));
DROP TABLE items, pairs, named;
-- the indexes went with their tables
DROP INDEX items_qty_u;
