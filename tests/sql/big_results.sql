-- Intermediate results far beyond one 2 MiB kernel heap block: aggregates,
-- sorts, hash joins, DISTINCT and set operations over 300k rows (each
-- operator's row array, hash table or sort array lives in the statement's
-- arena region, see docs/db.md).
select count(*), sum(g), min(g), max(g) from generate_series(1, 300000) g;
select g % 7 as k, count(*), sum(g), avg(g) from generate_series(1, 300000) g
  group by g % 7 order by k;
-- 150000 groups
select count(*), sum(c), min(k), max(k) from
  (select g / 2 as k, count(*) as c from generate_series(1, 300000) g
   group by g / 2) s;
-- a sort of 300k rows, its tail through OFFSET
select g, -g as neg from generate_series(1, 300000) g
  order by g % 1000 desc, g offset 299995;
-- DISTINCT and count(DISTINCT)
select count(*) from (select distinct g % 100000 from generate_series(1, 300000) g) d;
select count(distinct g % 123457) from generate_series(1, 300000) g;
-- INSERT ... SELECT of 200k rows, then hash joins of 200k x 200k
create table big_a (id int primary key, v int);
create table big_b (id int, w bigint);
insert into big_a select g, g % 1000 from generate_series(1, 200000) g;
insert into big_b select g + 100000, g * 2 from generate_series(1, 200000) g;
select count(*), sum(a.v + b.w) from big_a a, big_b b where a.id = b.id;
select count(*), sum(b.w) from big_a a join big_b b on a.id = b.id
  where a.v < 10;
select count(*), count(b.id) from big_a a left join big_b b on a.id = b.id
  where b.id is null or b.id % 3 = 0;
-- set operations
select count(*) from (select id from big_a union select id from big_b) u;
select count(*) from (select v from big_a except select w from big_b) e;
-- a large result through ORDER BY and LIMIT
select id, v from big_a order by v desc, id limit 5;
update big_a set v = v + 1 where id % 2 = 0;
select sum(v) from big_a;
delete from big_b where id > 150000;
select count(*) from big_b;
drop table big_a, big_b;
