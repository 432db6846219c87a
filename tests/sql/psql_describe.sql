-- psql's describe commands: psql 15 sends its catalog queries
-- (tests/sql/psql-catalog-queries.log) and must print what it prints
-- against PostgreSQL 15 for the same schema.
create table t (id int primary key, name varchar(20) not null default 'x', n bigint);
create table u (a int, b text, c boolean default true, d smallint default -1, e int not null default 42);
create table "Mixed Case" (k int, v text, primary key (k, v));
\dt
\d
\d t
\d u
\d "Mixed Case"
\d+ t
\di
\dn
\du
\l postgres
\dt u
\dt nosuch
\d nosuch
\di t_*
