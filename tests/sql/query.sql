--
-- Queries: WHERE, joins, GROUP BY/HAVING, aggregates, ORDER BY, LIMIT, DISTINCT
--
CREATE TABLE dept (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE emp (id int PRIMARY KEY, name text, dept int, salary int, boss int);
INSERT INTO dept VALUES (1, 'eng'), (2, 'sales'), (3, 'empty');
INSERT INTO emp VALUES
  (1, 'ada', 1, 300, NULL), (2, 'bob', 1, 200, 1), (3, 'cy', 2, 150, 1),
  (4, 'di', 2, 150, 3), (5, 'ed', NULL, 100, 1), (6, 'flo', 1, NULL, 2);
SELECT name, salary FROM emp WHERE salary > 150 ORDER BY salary DESC;
SELECT name FROM emp WHERE dept = 1 AND (salary IS NULL OR salary < 250) ORDER BY name;
SELECT name FROM emp WHERE id = 4;
SELECT name FROM emp WHERE id = 4 AND salary = 1;
SELECT e.name, d.name AS dept FROM emp e JOIN dept d ON e.dept = d.id ORDER BY e.id;
SELECT e.name, d.name FROM emp e LEFT JOIN dept d ON e.dept = d.id ORDER BY e.id;
SELECT d.name, e.name FROM dept d LEFT OUTER JOIN emp e ON e.dept = d.id AND e.salary > 150 ORDER BY d.id, e.id;
SELECT e.name, b.name AS boss FROM emp e INNER JOIN emp b ON e.boss = b.id ORDER BY 1;
SELECT count(*) FROM emp, dept;
SELECT d.name, e.name FROM dept d CROSS JOIN emp e WHERE e.id < 3 AND d.id < 3 ORDER BY d.name, e.name;
SELECT emp.name, dept.name FROM emp, dept WHERE emp.dept = dept.id AND dept.name = 'sales' ORDER BY emp.name;
SELECT count(*), count(salary), count(dept), sum(salary), min(salary), max(salary), avg(salary) FROM emp;
SELECT count(DISTINCT salary), count(DISTINCT dept), sum(id) FROM emp;
SELECT dept, count(*), sum(salary), avg(salary) FROM emp GROUP BY dept ORDER BY dept;
SELECT dept, count(*) AS n FROM emp GROUP BY dept HAVING count(*) > 1 ORDER BY n DESC, dept;
SELECT d.name, count(e.id), max(e.salary) FROM dept d LEFT JOIN emp e ON e.dept = d.id GROUP BY d.name ORDER BY d.name;
SELECT salary, count(*) FROM emp GROUP BY 1 ORDER BY 1 NULLS FIRST;
SELECT count(*), max(name) FROM emp WHERE false;
SELECT sum(salary) FROM emp WHERE salary < 0;
SELECT avg(x) FROM (SELECT 1 AS x) s;
SELECT name, salary FROM emp ORDER BY salary, name;
SELECT name, salary FROM emp ORDER BY salary DESC NULLS LAST, name DESC;
SELECT name, salary FROM emp ORDER BY salary ASC NULLS FIRST, name;
SELECT name AS n FROM emp ORDER BY n LIMIT 3;
SELECT name FROM emp ORDER BY id LIMIT 2 OFFSET 3;
SELECT name FROM emp ORDER BY id OFFSET 4;
SELECT name FROM emp ORDER BY id LIMIT 0;
SELECT name FROM emp ORDER BY id LIMIT ALL;
SELECT DISTINCT dept FROM emp ORDER BY dept;
SELECT DISTINCT salary, dept FROM emp ORDER BY salary, dept;
SELECT s.dept, s.total FROM (SELECT dept, sum(salary) AS total FROM emp GROUP BY dept) s WHERE s.total > 200 ORDER BY s.dept;
SELECT id * 10 + 1 AS k, upper(name) FROM emp WHERE name LIKE '%o%' ORDER BY k;
SELECT CASE WHEN salary >= 200 THEN 'high' WHEN salary IS NULL THEN 'unknown' ELSE 'low' END AS band, count(*) FROM emp GROUP BY 1 ORDER BY 1;
-- errors
SELECT name, count(*) FROM emp;
SELECT name FROM emp GROUP BY dept;
SELECT id FROM emp, dept;
SELECT e.nosuch FROM emp e;
SELECT x.name FROM emp e;
SELECT * FROM emp WHERE count(*) > 1;
SELECT name FROM emp WHERE salary;
SELECT name FROM emp ORDER BY 5;
SELECT DISTINCT dept FROM emp ORDER BY salary;
SELECT name FROM emp LIMIT -1;
SELECT sum(name) FROM emp;
SELECT count(max(id)) FROM emp;
SELECT * FROM emp e, dept e;
DROP TABLE emp, dept;
