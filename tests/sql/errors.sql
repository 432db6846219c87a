--
-- Mistakes: each gets PostgreSQL's SQLSTATE, message and position
--
SELECT 1 +;
SELECT 1 frm nowhere;
SELEKT 1;
SELECT (1;
SELECT 1);
SELECT * FROM nosuch;
SELECT nosuch;
SELECT 2147483647 + 1;
SELECT -2147483647 - 2;
SELECT 2147483647 * 2;
SELECT 9223372036854775807 + 1;
SELECT 32767::smallint + 1::smallint;
SELECT 70000::smallint;
SELECT 1 / 0;
SELECT 1 % 0;
SELECT 'x'::int;
SELECT ''::int;
SELECT '99999999999'::int;
SELECT 'maybe'::boolean;
SELECT 1 + 'a';
SELECT 'a' + 1;
SELECT 1 + true;
SELECT 1 AND true;
SELECT CAST(true AS smallint);
SELECT 1 FROM nosuch WHERE 1 = 1;
SELECT count(*) + 1 FROM nosuch;
SELECT nosuchfunc(1);
SELECT length(1);
SELECT 'unterminated;
SELECT 1; SELECT 2 +;
