--
-- Integer, boolean and string types in tables: ranges, casts, NULLs
--
CREATE TABLE nums (s smallint, i integer, b bigint);
INSERT INTO nums VALUES (1, 2, 3), (-32768, -2147483648, -9223372036854775807), (32767, 2147483647, 9223372036854775807), (NULL, NULL, NULL);
INSERT INTO nums (s) VALUES (32768);
INSERT INTO nums (i) VALUES (2147483648);
INSERT INTO nums (s) VALUES ('12');
INSERT INTO nums (i) VALUES ('12x');
INSERT INTO nums (b) VALUES (2147483647 + 0);
SELECT * FROM nums ORDER BY i NULLS FIRST;
SELECT s + s FROM nums WHERE s = 1;
SELECT s + s FROM nums WHERE s = 32767;
SELECT i + 1 FROM nums WHERE i = 2147483647;
SELECT b + 1 FROM nums WHERE b = 9223372036854775807;
SELECT i::bigint + 1 FROM nums WHERE i = 2147483647;
SELECT -s FROM nums WHERE s = -32768;
SELECT s * i, i * b FROM nums WHERE s = 1;
SELECT sum(i), sum(b) FROM nums WHERE s = 1;
SELECT sum(b) FROM nums;
SELECT b::int FROM nums WHERE s = 1;
SELECT b::int FROM nums WHERE s = 32767;
CREATE TABLE flags (id int, f boolean, t text, v varchar(5));
INSERT INTO flags VALUES (1, true, 'one', 'uno'), (2, false, 'two', 'dos'), (3, NULL, NULL, NULL), (4, 'yes', 'four', 'quatr');
SELECT * FROM flags ORDER BY id;
SELECT id FROM flags WHERE f ORDER BY id;
SELECT id FROM flags WHERE NOT f ORDER BY id;
SELECT id, f IS TRUE, f IS NOT TRUE, f IS FALSE, f IS NOT FALSE, f IS NULL FROM flags ORDER BY id;
SELECT id, t || '/' || v AS tv, length(v) FROM flags ORDER BY id;
SELECT min(f::int), max(t), min(v), count(f) FROM flags;
SELECT id FROM flags WHERE t > 'o' ORDER BY t;
SELECT id FROM flags WHERE v = 'uno';
UPDATE flags SET v = 'toolong' WHERE id = 1;
UPDATE flags SET v = 'ok   ' WHERE id = 1;
SELECT v, length(v) FROM flags WHERE id = 1;
DROP TABLE nums, flags;
