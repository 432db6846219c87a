--
-- Where WHERE's conjuncts run (select.c): on one FROM item's scan, on the
-- joined rows once their last item is joined, or at the end (subqueries,
-- volatile functions); which side a hash join builds on. Every answer
-- must be the one PostgreSQL gives whatever the placement.
--
CREATE TABLE a (id int PRIMARY KEY, k int, v text);
CREATE TABLE b (id int PRIMARY KEY, k int, w numeric(10,2));
CREATE TABLE c (k int, tag text);
INSERT INTO a SELECT g, g % 5, 'a' || g FROM generate_series(1, 40) g;
INSERT INTO b SELECT g, g % 7, g * 1.25 FROM generate_series(1, 300) g;
INSERT INTO c VALUES (0, 'zero'), (1, 'one'), (2, 'two'), (NULL, 'none');
-- single-item conjuncts on both sides of an inner join (the left side
-- is smaller: built on it, b streamed)
SELECT a.id, b.id, b.w FROM a, b WHERE a.k = b.k AND a.id < 4 AND b.w > 370
ORDER BY 1, 2;
-- the same with the larger side first (built on c)
SELECT b.id, c.tag FROM b, c WHERE b.k = c.k AND b.id > 295 ORDER BY 1;
-- a conjunct over two items that is not the join key
SELECT a.id, b.id FROM a JOIN b ON a.k = b.k WHERE a.id + b.id = 50 AND a.id < 8
ORDER BY 1, 2;
-- a condition on the nullable side of a LEFT JOIN stays after the join
SELECT a.id, c.tag FROM a LEFT JOIN c ON a.k = c.k WHERE c.tag IS NULL
  AND a.id < 12 ORDER BY 1;
SELECT a.id, c.tag FROM a LEFT JOIN c ON a.k = c.k AND c.tag <> 'one'
WHERE a.id <= 6 ORDER BY 1;
SELECT a.id, coalesce(c.tag, '-') FROM a LEFT JOIN c ON a.k = c.k
WHERE coalesce(c.tag, 'x') = 'x' AND a.id < 10 ORDER BY 1;
-- three items: conjuncts on the first two before the third is joined
SELECT a.id, b.id, c.tag FROM a, b, c
WHERE a.k = b.k AND b.k = c.k AND a.id = 2 AND b.id < 20 AND c.tag LIKE 't%'
ORDER BY 1, 2;
-- constant and parameter-free conjuncts
SELECT count(*) FROM a, b WHERE a.k = b.k AND 1 = 1;
SELECT count(*) FROM a, b WHERE a.k = b.k AND 1 = 0;
SELECT 1 WHERE false;
SELECT 1 WHERE true;
-- a subquery conjunct runs at the end, on every joined row
SELECT a.id, b.id FROM a, b WHERE a.k = b.k AND a.id < 3
  AND b.id IN (SELECT id FROM b WHERE w < 10) ORDER BY 1, 2;
SELECT a.id FROM a, c WHERE a.k = c.k
  AND EXISTS (SELECT 1 FROM b WHERE b.id = a.id * 10 AND b.k = c.k)
ORDER BY 1;
-- a NULL key never matches, on either side
SELECT count(*) FROM c c1, c c2 WHERE c1.k = c2.k;
-- errors in a pushed conjunct are still reported
SELECT a.id FROM a, b WHERE a.k = b.k AND 1 / (a.id - a.id) = 1;
-- aggregates over a join of numerics (the machine-word path) and a sum
-- that outgrows it
SELECT a.k, sum(b.w * (1 - 0.05)), avg(b.w), count(*) FROM a, b
WHERE a.k = b.k AND a.id < 6 GROUP BY a.k ORDER BY a.k;
CREATE TABLE big (x numeric);
INSERT INTO big VALUES (99999999999999999999999999999999999.5),
  (99999999999999999999999999999999999.5), (-1.25);
SELECT sum(x), avg(x), sum(x * 2), sum(-x) FROM big;
SELECT sum(w * w * w * w * w * w * w * w * w * w) FROM b WHERE id > 290;
