-- information_schema: the views drivers read, for the user's tables.
create table parent (id int primary key, name varchar(40) not null, code char(3) unique, price numeric(10,2) default 0, qty smallint, big bigint, f real, d double precision, born date, at timestamp, span interval, note text, ok boolean default true);
create table pair (a int, b int, c int, primary key (a, b), constraint pair_c_key unique (c));
create sequence counter start 5 increment 2;
create table ser (id serial primary key);
select table_catalog = current_database(), table_schema, table_name, table_type, is_insertable_into, is_typed from information_schema.tables where table_schema = 'public' order by table_name;
select schema_name from information_schema.schemata order by schema_name;
select column_name, ordinal_position, column_default, is_nullable, data_type, character_maximum_length, character_octet_length, numeric_precision, numeric_precision_radix, numeric_scale, datetime_precision, udt_name, is_identity, is_generated, is_updatable from information_schema.columns where table_name = 'parent' order by ordinal_position;
select table_name, column_name, data_type, column_default from information_schema.columns where table_schema = 'public' and table_name in ('pair', 'ser') order by table_name, ordinal_position;
select constraint_name, table_name, constraint_type, is_deferrable, initially_deferred, enforced from information_schema.table_constraints where table_schema = 'public' and constraint_type in ('PRIMARY KEY', 'UNIQUE') order by constraint_name;
select k.constraint_name, k.table_name, k.column_name, k.ordinal_position, k.position_in_unique_constraint from information_schema.key_column_usage k where k.table_schema = 'public' order by k.constraint_name, k.ordinal_position;
select c.column_name from information_schema.table_constraints tc join information_schema.key_column_usage c on c.constraint_name = tc.constraint_name where tc.constraint_type = 'PRIMARY KEY' and tc.table_name = 'pair' order by c.ordinal_position;
select sequence_schema, sequence_name, data_type, numeric_precision, numeric_precision_radix, numeric_scale, start_value, minimum_value, maximum_value, increment, cycle_option from information_schema.sequences order by sequence_name;
select count(*) from information_schema.views where table_schema = 'public';
select tables.table_name from information_schema.tables where tables.table_name = 'pair';
