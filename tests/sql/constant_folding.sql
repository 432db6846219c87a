-- Constant folding (db/exec/fold.c): constant subexpressions are
-- evaluated once per statement, with PostgreSQL's rules for which ones,
-- so errors in them are raised even when no row is read, and not in the
-- parts PostgreSQL's folding skips.
CREATE TABLE cf (id int PRIMARY KEY, a int, d date, n numeric, s text);
CREATE TABLE cf_empty (a int, d date);
INSERT INTO cf SELECT g, g % 10, date '1994-01-01' + g * 3, g * 0.01, 'r' || g
FROM generate_series(1, 300) g;
-- the TPC-H shapes: date + interval, date - interval, numeric ranges
SELECT count(*) FROM cf WHERE d >= date '1994-01-01'
  AND d < date '1994-01-01' + interval '1' year;
SELECT count(*) FROM cf WHERE d <= date '1995-01-01' - interval '90' day;
SELECT count(*), sum(n) FROM cf WHERE n BETWEEN 0.5 - 0.01 AND 0.5 + 0.01;
SELECT id FROM cf WHERE id = 2 + 3;
SELECT id FROM cf WHERE id IN (1 + 1, 10 * 10) ORDER BY id;
SELECT count(*) FROM cf WHERE s = 'r' || (1 + 1)::text;
SELECT count(*) FROM cf WHERE a = abs(-3) AND s LIKE upper('r') || '%';
SELECT count(*) FROM cf WHERE s LIKE lower('R') || '1%';
-- column names stay the expression's
SELECT 1 + 1, CAST(2 AS int), upper('a'), date '2000-01-01' + interval '1 day',
  -(2), NOT true, 2 IS NULL, coalesce(NULL, 3), nullif(1, 1) IS NULL;
SELECT length(substr('abcdef', 2, 3)), round(2.567, 2), 7 % 3;
-- errors in constants: raised although no row is read
SELECT 1/0 FROM cf_empty;
SELECT 1/0 WHERE false;
SELECT a FROM cf_empty WHERE a = 1/0;
SELECT a FROM cf_empty WHERE a = 2147483647 + 1;
SELECT d FROM cf_empty WHERE d < date '5874897-12-31' + 1;
SELECT sum(1/0) FROM cf_empty;
SELECT CASE WHEN a > 0 THEN 1 ELSE 1/0 END FROM cf_empty;
SELECT a FROM cf_empty WHERE random() < 1/0;
SELECT 1/0 = 1 AND false;
SELECT coalesce(NULL, 1/0);
-- ... and not in parts PostgreSQL's folding skips
SELECT CASE WHEN false THEN 1/0 ELSE 2 END;
SELECT CASE WHEN true THEN 2 ELSE 1/0 END;
SELECT CASE 1 WHEN 2 THEN 1/0 WHEN 1 THEN 5 ELSE 1/0 END;
SELECT false AND 1/0 = 1, true OR 1/0 = 1;
SELECT count(*) FROM cf WHERE a > 0 AND false AND 1/0 = 1;
SELECT coalesce(1, 1/0);
-- a CASE arm whose condition reads the row is evaluated per row
SELECT sum(CASE WHEN a > 4 THEN 10 / (a - 4) ELSE 0 END) FROM cf WHERE a <> 4;
SELECT count(*) FROM cf WHERE CASE WHEN a = 0 THEN false ELSE 10 / a > 1 END;
-- volatile functions run per row
SELECT count(DISTINCT random() + 0) FROM generate_series(1, 50);
CREATE SEQUENCE cf_seq;
SELECT max(nextval('cf_seq') + 1) FROM generate_series(1, 7);
SELECT count(*) FROM cf WHERE now() >= now() - interval '1 day';
-- a DEFAULT is evaluated when it is used, not at CREATE TABLE
CREATE TABLE cf_def (a int, b int DEFAULT 1/0);
INSERT INTO cf_def (a) VALUES (1);
INSERT INTO cf_def VALUES (1, 2);
SELECT * FROM cf_def;
-- constants in grouping, ordering and aggregates
SELECT a + (1 + 1) AS k, count(*) FROM cf WHERE a < 3 GROUP BY a + (1 + 1)
ORDER BY k;
SELECT sum(n * (1 + 1)), max(d + (2 * 3)) FROM cf;
