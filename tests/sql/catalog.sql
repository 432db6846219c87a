-- pg_catalog relations and functions (oids vary between servers, so
-- queries print names).
create table cat_a (id int primary key, label varchar(10) default 'none', amount bigint not null);
create table cat_b (x smallint, y text);
select relname, relkind from pg_class where relnamespace = 2200 order by relname;
select c.relname, n.nspname from pg_catalog.pg_class c
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  where c.relname like 'cat%' order by 1;
select a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull, a.atthasdef
  from pg_attribute a join pg_class c on c.oid = a.attrelid
  where c.relname = 'cat_a' and a.attnum > 0 order by a.attnum;
select pg_get_expr(d.adbin, d.adrelid) from pg_attrdef d
  join pg_class c on c.oid = d.adrelid where c.relname = 'cat_a';
select c2.relname, i.indisprimary, i.indisunique, pg_get_indexdef(i.indexrelid, 0, true)
  from pg_index i join pg_class c on c.oid = i.indrelid
  join pg_class c2 on c2.oid = i.indexrelid where c.relname = 'cat_a';
select conname, contype, pg_get_constraintdef(con.oid, true) from pg_constraint con
  join pg_class c on c.oid = con.conrelid where c.relname = 'cat_a';
select oid::regclass from pg_class where relname = 'cat_b';
select typname from pg_type where oid = 'cat_a'::regclass::oid and false;
select format_type(23, -1), format_type(1043, 14), format_type(25, null);
select pg_get_userbyid(10), current_schema(), current_schemas(true);
select pg_size_pretty(0::bigint), pg_size_pretty(10239::bigint), pg_size_pretty(10240::bigint),
  pg_size_pretty(123456789::bigint), pg_size_pretty(5000000000000::bigint);
select datname, pg_encoding_to_char(encoding) from pg_database where datname = 'postgres';
select rolname, rolsuper from pg_roles where rolname = 'postgres';
select nspname from pg_namespace where nspname !~ '^pg_' and nspname <> 'information_schema';
select array_to_string(array(select relname from pg_class where relname like 'cat%' and relkind = 'r' order by 1), ', ');
select 'abc' ~ '^a', 'abc' ~* '^A', 'abc' !~ 'z', 'ABC' !~* 'b', 'x' OPERATOR(pg_catalog.~) 'x';
select relname from pg_class where relname ~ '^cat_[ab]$' order by 1;
select 2 = any ('{1,2,3}'), 5 = any ('{1,2}'::int[]), 'b' = any ('{a,b}'::text[]);
select ('{10,20,30}'::int[])[2] + 1 as second;
select s, s * 2 from generate_series(1, 4) s order by s;
select string_agg(relname, ', ') from (select relname from pg_class where relname like 'cat%' order by 1) r;
select has_table_privilege('cat_a', 'select'), pg_table_is_visible('cat_a'::regclass::oid);
select obj_description('cat_a'::regclass::oid, 'pg_class') is null as no_comment;
select 'a' ~ '(';
