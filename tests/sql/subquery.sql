-- Subqueries in expressions: scalar, IN, EXISTS, ANY/ALL, correlated.
create table dept (id int primary key, name text);
create table emp (id int primary key, dept_id int, name varchar(20), salary int);
insert into dept values (1, 'eng'), (2, 'ops'), (3, 'empty'), (4, null);
insert into emp values (10, 1, 'ann', 100), (11, 1, 'bob', 150),
  (12, 2, 'cid', 90), (13, null, 'dan', 70), (14, 2, 'eve', null);
-- scalar subqueries
select (select max(salary) from emp) as top;
select (select name from dept where id = 2);
select (select name from dept where id = 99) is null as missing;
select id, name, (select count(*) from emp where emp.dept_id = dept.id) as n
  from dept order by id;
select e.name, e.salary - (select min(salary) from emp) as above_min
  from emp e where e.salary is not null order by e.name;
select name from emp e
  where salary > (select min(salary) from emp e2 where e2.dept_id = e.dept_id)
  order by name;
select id, (select d.name from dept d where d.id = emp.dept_id) as dept
  from emp order by id;
select 1 + (select 2) as three;
-- IN and NOT IN (with PostgreSQL's NULL semantics)
select id from dept where id in (select dept_id from emp) order by id;
select id from dept where id not in (select dept_id from emp) order by id;
select id from dept
  where id not in (select dept_id from emp where dept_id is not null)
  order by id;
select 5 in (select dept_id from emp) as five_in;
select 5 not in (select dept_id from emp) as five_not_in;
select null::int in (select dept_id from emp) as null_in;
select 1 in (select dept_id from emp where false) as in_empty;
select null::int not in (select dept_id from emp where false) as null_not_in_empty;
select name from emp where dept_id in (select id from dept where name like 'e%')
  order by name;
select 'eng' in (select name from dept) as eng;
-- EXISTS and NOT EXISTS, correlated
select name from dept d where exists (select 1 from emp e where e.dept_id = d.id)
  order by name;
select id from dept d where not exists (select * from emp e where e.dept_id = d.id)
  order by id;
select exists (select 1 from emp where salary > 1000) as rich;
-- ANY / SOME / ALL
select id from emp where salary > all (select salary from emp where dept_id = 2 and salary is not null)
  order by id;
select id from emp where salary < any (select salary from emp where dept_id = 1)
  order by id;
select id from emp where salary = some (select salary from emp where id > 11)
  order by id;
select 200 > all (select salary from emp) as all_null;
select 1 = all (select 1 where false) as all_empty;
-- nested and correlated two levels out
select d.name from dept d where exists (
  select 1 from emp e where e.dept_id = d.id and e.salary > (
    select min(e2.salary) from emp e2 where e2.dept_id = d.id))
  order by 1;
select id from dept where id in (select dept_id from emp where id in (select id from emp where salary >= 100))
  order by id;
-- subqueries in HAVING, ORDER BY, UPDATE and DELETE
select dept_id, count(*) from emp group by dept_id
  having count(*) > (select count(*) from dept where name = 'ops')
  order by dept_id;
select name from dept order by (select count(*) from emp where dept_id = dept.id) desc, name;
update emp set salary = (select max(salary) from emp) where id = 13;
select id, salary from emp order by id;
delete from emp where dept_id not in (select id from dept where name is not null);
select count(*) from emp;
-- errors
select (select id from emp);
select (select id, name from emp where id = 10);
select id from dept where id in (select id, name from emp);
select (select nosuch from emp limit 1);
select id from dept where exists (select 1 from emp where emp.nosuch = dept.id);
