-- UNION, INTERSECT and EXCEPT, with and without ALL.
create table s1 (a int, b text);
create table s2 (a bigint, b varchar(10));
insert into s1 values (1, 'one'), (2, 'two'), (2, 'two'), (3, null), (null, 'x');
insert into s2 values (2, 'two'), (3, null), (4, 'four'), (4, 'four'), (null, 'x');
select a, b from s1 union select a, b from s2 order by 1, 2;
select a, b from s1 union all select a, b from s2 order by 1, 2;
select a, b from s1 intersect select a, b from s2 order by 1, 2;
select a, b from s1 intersect all select a, b from s2 order by 1, 2;
select a, b from s1 except select a, b from s2 order by 1, 2;
select a, b from s1 except all select a, b from s2 order by 1, 2;
select a from s2 except all select a from s1 order by a;
select a from s1 union select a from s2 order by a desc nulls last limit 3;
select a from s1 union select a from s2 order by a limit 2 offset 1;
select 1 as x union all select 1 intersect select 1 order by x;
select 1 union select 2 except select 1;
select 1 union all select 2 union all select 3 order by 1 desc;
select b from s1 where a = 1 union all (select b from s2 where a = 4 limit 1);
select * from (select a from s1 union select a from s2) u where a > 1 order by a;
select count(*) from (select a, b from s1 union select a, b from s2) u;
select a, 'left' as side from s1 where a < 2 union all select a, 'right' from s2 where a > 3
  order by side, a;
select null union select 1 order by 1;
select 'a' union select 'b' order by 1;
select a from s1 where a in (select a from s2 union select 1) order by a;
-- errors
select 1 union select 1, 2;
select a from s1 union select b from s2;
select a from s1 union select a from s2 order by a + 1;
select a from s1 union select a from s2 order by nosuch;
select a from s1 union select a from s2 order by 2;
