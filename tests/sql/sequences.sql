-- serial columns and sequences.
CREATE TABLE s (id serial PRIMARY KEY, big bigserial, small smallserial, v text);
INSERT INTO s (v) VALUES ('a'), ('b');
INSERT INTO s (v) VALUES ('c') RETURNING id, big, small;
INSERT INTO s VALUES (DEFAULT, DEFAULT, DEFAULT, 'd') RETURNING id;
SELECT * FROM s ORDER BY id;
SELECT currval('s_id_seq'), lastval();
SELECT nextval('s_id_seq');
INSERT INTO s (v) VALUES ('e') RETURNING id;
SELECT setval('s_id_seq', 100);
INSERT INTO s (v) VALUES ('f') RETURNING id;
SELECT setval('s_id_seq', 200, false);
INSERT INTO s (v) VALUES ('g') RETURNING id;
-- an explicit id does not advance the sequence; a duplicate fails
INSERT INTO s (id, v) VALUES (202, 'h');
INSERT INTO s (v) VALUES ('i') RETURNING id;
INSERT INTO s (v) VALUES ('j') RETURNING id;
CREATE TABLE s2 (id serial, v integer);
INSERT INTO s2 (v) VALUES (1);
INSERT INTO s2 (id, v) VALUES (NULL, 2);
-- CREATE SEQUENCE / DROP SEQUENCE
CREATE SEQUENCE counter;
SELECT nextval('counter'), nextval('counter');
CREATE SEQUENCE counter;
CREATE SEQUENCE IF NOT EXISTS counter;
CREATE SEQUENCE down INCREMENT BY -2 START WITH 10;
SELECT nextval('down'), nextval('down'), currval('down');
CREATE SEQUENCE small AS smallint MAXVALUE 2;
SELECT nextval('small');
SELECT nextval('small');
SELECT nextval('small');
CREATE SEQUENCE fresh START 5;
SELECT currval('fresh');
SELECT nextval('fresh');
SELECT setval('fresh', 0);
SELECT nextval('nosuch');
CREATE TABLE t (id integer DEFAULT nextval('counter'), v text);
INSERT INTO t (v) VALUES ('x') RETURNING id;
CREATE SEQUENCE bad INCREMENT 0;
CREATE SEQUENCE bad2 MINVALUE 10 MAXVALUE 5;
DROP SEQUENCE down, small;
DROP SEQUENCE down;
DROP SEQUENCE IF EXISTS down, fresh;
-- a table's serial sequences go with it
DROP TABLE s, s2, t;
SELECT nextval('s_id_seq');
DROP SEQUENCE counter;
-- sequences are not indexes; serial needs CREATE TABLE here
CREATE SEQUENCE q;
DROP INDEX q;
DROP SEQUENCE q;
