--
-- Expressions without tables: literals, arithmetic, logic, CASE, functions
--
SELECT 1;
SELECT 1 + 2 AS three, 7 - 10 AS neg, 6 * 7 AS answer, 7 / 2 AS div, -7 / 2 AS negdiv, 7 % 3 AS mod, -7 % 3 AS negmod;
SELECT 2 + 3 * 4, (2 + 3) * 4, - 5 + 2, -(5 + 2);
SELECT 'hello' AS greeting, 'it''s' AS quoted, E'tab\there' AS escaped, '' AS empty;
SELECT 'abc' || 'def', 'n=' || 42, 42 || '!';
SELECT true, false, NULL AS nothing, NULL::int AS typed_null;
SELECT true AND NULL, false AND NULL, true OR NULL, false OR NULL, NOT NULL::boolean;
SELECT NULL = NULL, 1 = NULL, NULL IS NULL, 1 IS NOT NULL, NULL::int IS NULL;
SELECT 1 < 2, 2 <= 2, 3 > 4, 4 >= 5, 1 <> 1, 1 != 2;
SELECT 'abc' < 'abd', 'B' < 'a', 'abc' = 'abc';
SELECT 5 BETWEEN 1 AND 10, 5 NOT BETWEEN 1 AND 10, NULL BETWEEN 1 AND 2, 0 BETWEEN 1 AND NULL;
SELECT 3 IN (1, 2, 3), 4 IN (1, 2, 3), 4 NOT IN (1, 2, 3), 4 IN (1, NULL), 1 IN (1, NULL), NULL IN (1);
SELECT 'abc' LIKE 'a%', 'abc' LIKE '_b_', 'abc' LIKE 'b%', 'abc' NOT LIKE '%c', 'a%c' LIKE 'a\%c', 'abc' LIKE 'a\%c';
SELECT CASE WHEN 1 > 2 THEN 'no' WHEN 2 > 1 THEN 'yes' END;
SELECT CASE 3 WHEN 1 THEN 'one' WHEN 3 THEN 'three' ELSE 'other' END AS word;
SELECT CASE WHEN false THEN 1 END AS no_else, CASE 5 WHEN 1 THEN 10 ELSE 20 END;
SELECT COALESCE(NULL, 2, 3), COALESCE(NULL::int, NULL), COALESCE('a', 'b'), NULLIF(1, 1), NULLIF(1, 2);
SELECT length('hello'), length(''), lower('MiXeD'), upper('MiXeD'), abs(-17), abs(17);
SELECT CAST(42 AS text), CAST('17' AS integer) + 1, '5'::smallint, 7::bigint * 3, CAST(true AS integer), 1::boolean;
SELECT '  12  '::int, '-0'::int, '+5'::int;
SELECT 'yes'::boolean, 'off'::boolean, 'T'::boolean, ' f '::boolean, '1'::boolean;
SELECT 'abcdef'::varchar(3), 12345::varchar(2);
SELECT 1 AS a, 2 AS "Mixed Case", 3 AS "select";
SELECT 9223372036854775807 AS big, -9223372036854775807 - 1 AS small;
SELECT 32767::smallint AS max2, 2147483647 AS max4;
