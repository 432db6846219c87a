--
-- CREATE/DROP TABLE, INSERT, UPDATE, DELETE, RETURNING, constraints
--
CREATE TABLE items (
    id integer PRIMARY KEY,
    name varchar(10) NOT NULL,
    qty int DEFAULT 1,
    price bigint,
    note text
);
INSERT INTO items VALUES (1, 'apple', 3, 120, 'red');
INSERT INTO items (id, name) VALUES (2, 'banana');
INSERT INTO items (name, id, price) VALUES ('cherry', 3, 900), ('date', 4, NULL), ('elder', 5, 75);
INSERT INTO items VALUES (6, 'fig', DEFAULT, 40, DEFAULT) RETURNING *;
INSERT INTO items (id, name, qty) VALUES (7, 'grape', 12) RETURNING id, name || '!' AS shout, qty * 2 AS double;
SELECT * FROM items ORDER BY id;
-- constraint violations leave the table unchanged
INSERT INTO items VALUES (1, 'again');
INSERT INTO items (id, name) VALUES (8, 'ok'), (8, 'dup');
INSERT INTO items (id) VALUES (9);
INSERT INTO items (id, name) VALUES (10, NULL);
INSERT INTO items (id, name) VALUES (NULL, 'nokey');
INSERT INTO items (id, name) VALUES (11, 'much too long');
INSERT INTO items (id, name) VALUES (11, 'trailing   ');
INSERT INTO items (id, name, qty) VALUES (12, 'x', 'many');
INSERT INTO items (id, name, qty) VALUES (12, 'x', true);
INSERT INTO items (id, name, nosuch) VALUES (12, 'x', 1);
INSERT INTO items (id, name) VALUES (12, 'x', 3);
INSERT INTO items (id, name, qty) VALUES (12, 'x');
INSERT INTO nosuch VALUES (1);
SELECT count(*) FROM items;
-- UPDATE
UPDATE items SET qty = qty + 10 WHERE id <= 2;
UPDATE items SET note = 'cheap', price = price / 2 WHERE price < 100 RETURNING id, name, price, note;
UPDATE items SET qty = 0 WHERE false;
UPDATE items SET name = NULL WHERE id = 1;
UPDATE items SET id = 2 WHERE id = 1;
UPDATE items SET id = 100 WHERE id = 1 RETURNING id;
UPDATE items SET nosuch = 1;
UPDATE items SET qty = 'lots';
SELECT * FROM items ORDER BY id;
-- DELETE
DELETE FROM items WHERE id >= 7 AND id < 100 RETURNING id, name;
DELETE FROM items WHERE id = 100 RETURNING *;
DELETE FROM items WHERE id = 42;
SELECT id, name FROM items ORDER BY id;
DELETE FROM items;
SELECT count(*) FROM items;
-- DDL errors and IF [NOT] EXISTS
CREATE TABLE items (x int);
CREATE TABLE IF NOT EXISTS items (x int);
CREATE TABLE dupcol (a int, a int);
CREATE TABLE twopk (a int PRIMARY KEY, b int PRIMARY KEY);
CREATE TABLE badpk (a int, PRIMARY KEY (b));
CREATE TABLE badtype (a wibble);
CREATE TABLE pair (a int, b text, c boolean, PRIMARY KEY (a, b)) WITH (fillfactor = 90);
INSERT INTO pair VALUES (1, 'x', true), (1, 'y', false), (2, 'x', NULL);
INSERT INTO pair VALUES (1, 'y', true);
SELECT * FROM pair ORDER BY a, b;
TRUNCATE pair;
SELECT count(*) FROM pair;
INSERT INTO pair VALUES (1, 'x', true);
TRUNCATE TABLE pair, items RESTART IDENTITY;
TRUNCATE pair, nosuch;
SELECT count(*) FROM pair;
DROP TABLE items, pair;
DROP TABLE items;
DROP TABLE IF EXISTS items;
SELECT * FROM items;
