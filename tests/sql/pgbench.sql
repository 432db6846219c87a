--
-- What pgbench 15 sends (bench/pgbench/statements.log) that unidb answers
-- without transactions, ALTER TABLE or char/timestamp columns: table
-- functions in FROM (generate_series), VACUUM/ANALYZE, storage parameters,
-- the scale check. The pgbench tables here use int/text columns only.
--
SELECT * FROM generate_series(1, 3);
SELECT * FROM generate_series(1, 10, 4) AS aid;
SELECT aid, (aid - 1) / 4 + 1 AS bid FROM generate_series(1, 9) AS aid ORDER BY aid DESC;
SELECT g FROM generate_series(5, 1, -2) g;
SELECT count(*), sum(x), min(x), max(x) FROM generate_series(-3, 3) AS x;
SELECT * FROM generate_series(3, 1);
SELECT * FROM generate_series(1, NULL);
SELECT * FROM generate_series(1, 5, NULL);
SELECT * FROM generate_series(2147483646, 2147483647);
SELECT * FROM generate_series(9223372036854775806, 9223372036854775807);
SELECT * FROM generate_series(1::bigint, 2);
SELECT generate_series.generate_series FROM generate_series(7, 8);
SELECT s.s * 2 AS twice FROM generate_series(1, 3) AS s WHERE s.s <> 2;
SELECT a.a, b.b FROM generate_series(1, 2) a CROSS JOIN generate_series(1, 2) b ORDER BY 1, 2;
SELECT * FROM generate_series(1, 2, 0);
SELECT * FROM generate_series(1);
SELECT * FROM generate_series('a', 2);
SELECT * FROM no_such_function(1, 2);
SELECT g.generate_series FROM generate_series(1, 2) g;
DROP TABLE IF EXISTS pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers;
CREATE TABLE pgbench_tellers(tid int not null,bid int,tbalance int,filler text) with (fillfactor=100);
CREATE TABLE pgbench_accounts(aid    int not null,bid int,abalance int,filler text) with (fillfactor=100);
CREATE TABLE pgbench_branches(bid int not null,bbalance int,filler text) with (fillfactor=100);
CREATE TABLE pgbench_history(tid int,bid int,aid    int,delta int,filler text);
TRUNCATE TABLE pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers;
insert into pgbench_branches(bid,bbalance) select bid, 0 from generate_series(1, 1) as bid;
insert into pgbench_tellers(tid,bid,tbalance) select tid, (tid - 1) / 10 + 1, 0 from generate_series(1, 10) as tid;
insert into pgbench_accounts(aid,bid,abalance,filler) select aid, (aid - 1) / 100000 + 1, 0, '' from generate_series(1, 100000) as aid;
vacuum analyze pgbench_branches;
vacuum analyze pgbench_tellers;
vacuum analyze pgbench_accounts;
vacuum analyze pgbench_history;
select count(*) from pgbench_branches;
vacuum pgbench_branches;
vacuum pgbench_tellers;
truncate pgbench_history;
SELECT bid, count(*), sum(abalance), min(aid), max(aid), count(filler), max(filler) FROM pgbench_accounts GROUP BY bid ORDER BY bid;
SELECT bid, count(*) FROM pgbench_tellers GROUP BY bid ORDER BY bid;
VACUUM;
ANALYZE;
ANALYZE pgbench_accounts;
ANALYSE pgbench_tellers, pgbench_branches;
VACUUM FULL FREEZE pgbench_accounts;
VACUUM (ANALYZE, VERBOSE false) pgbench_accounts (aid, bid), pgbench_tellers;
VACUUM no_such_table;
VACUUM pgbench_accounts, no_such_table;
ANALYZE no_such_table;
DROP TABLE pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers;
