-- string functions and || with non-text operands
select substring('hello' from 2 for 3), substring('hello', 2), substring('hello' for 2), substring('hello', -1, 3), substr('hello', 3, 10), substring('héllo', 2, 2);
select trim('  a  '), trim(both 'x' from 'xxaxx'), trim(leading 'x' from 'xxaxx'), trim(trailing 'x' from 'xxaxx'), trim(from '  b  '), ltrim('xxa', 'x'), rtrim('axx', 'x'), btrim('  c  '), '[' || ltrim('  d  ') || ']';
select position('l' in 'hello'), position('z' in 'hello'), position('' in 'abc'), strpos('héllo', 'l'), strpos('hello', 'z');
select replace('abcabc', 'b', 'XY'), replace('abc', '', 'x'), replace('aaa', 'a', ''), repeat('ab', 3), repeat('ab', 0), repeat('x', -1);
select left('hello', 2), left('hello', -2), right('hello', 2), right('hello', -2), left('héllo', 2), right('', 3);
select lpad('hi', 5, 'xy'), rpad('hi', 5, 'xy'), lpad('hi', 5), rpad('hi', 5) || '|', lpad('hello', 2), rpad('hello', 0), lpad('hi', 5, '');
select concat('a', 1, null, 2.5, true), concat(null), starts_with('abc', 'ab'), starts_with('abc', 'b'), initcap('hello wORLD foo_bar 2nd'), reverse('abc');
select 1 || 'a', 'a' || 2.5, 'x' || null, true || 'x', 'n' || 12::smallint, 'd' || date '2024-01-31';
select length('héllo'), upper(substring('abc' from 2)), lower(trim('  ABC '));
create table s (id int primary key, name varchar(10), code char(4));
insert into s values (1, 'ada', 'ab'), (2, 'bob lee', 'abcd'), (3, null, null);
select id, upper(left(name, 1)) || substring(name from 2), lpad(id::text, 3, '0'), code || '|', length(code), concat(name, '-', code) from s order by id;
select * from s where starts_with(name, 'b') or position('d' in name) > 0 order by id;
select substring('abc', 1, -1);
select repeat('x', 2000000000);
select lpad(1, 5);
drop table s;
