-- interval: input forms, output (IntervalStyle postgres), arithmetic with
-- dates and timestamps, comparison, extract, justify_*, age, errors.
select interval '1 day 2 hours', interval '3 mons', '1 year 2 mons 3 days 04:05:06.789'::interval;
select interval '90' day, interval '1' year, interval '2' hour, interval '100' minute, interval '30' second, interval '14' month;
select interval '1 day 02:03:04' day, interval '1 day 02:03:04' hour, interval '1 year 5 mons' year, interval '2 days 10:20:30' day to second;
select '@ 1 day ago'::interval, '-1 day +2 hours'::interval, '1 day -2 hours'::interval, '1-2'::interval;
select 'P1Y2M3DT4H5M6.5S'::interval, 'PT1H30M'::interval, 'P2W'::interval, 'p1d'::interval;
select '1 10:00:00'::interval, '10:00'::interval, '1:2:3'::interval, '-1:30'::interval, '00:00:00.000001'::interval;
select '1.5 days'::interval, '1.5 months'::interval, '1.5 years'::interval, '2 weeks'::interval, '0.5 weeks'::interval;
select '0'::interval, '5'::interval, '-00:00:01.5'::interval, '1 decade'::interval, '2 centuries'::interval, '1 millennium'::interval;
select '100 hours'::interval, '1000000 us'::interval, '1500 ms'::interval, '3 min 4 sec'::interval, '1 hr 2 mins'::interval;
select '  1 day  '::interval, '1 DAY 3 HOURS'::interval, '2 d 3 h'::interval, '1 yr 2 mon'::interval;
select '-1 years -2 mons +3 days -04:05:06'::interval, '1 year -1 mons'::interval, '-1 day'::interval;
-- date and timestamp arithmetic
select date '1998-12-01' - interval '90' day, date '1994-01-01' + interval '1' year, date '1995-09-01' + interval '1' month;
select date '2024-01-31' + interval '1 month', date '2023-01-31' + interval '1 month', timestamp '2024-03-31 10:00' - interval '1 mon';
select timestamp '2024-01-01' + interval '1 day 2 hours', interval '36 hours' + timestamp '2024-02-28', timestamp '2024-01-01 00:00' - interval '1 second';
select timestamptz '2024-01-01 00:00:00+00' + interval '1 day', date '2024-02-29' + interval '1 year', date '2024-02-29' - interval '12 mons';
select timestamp '2024-01-02' - timestamp '2024-01-01 12:00', timestamp '2024-03-05 04:00' - timestamp '2024-01-01';
select timestamp '2024-01-01' - timestamp '2024-03-05 04:00', timestamp '2024-01-01 10:00' - date '2024-01-01', date '2024-01-05' - timestamp '2024-01-01 06:00';
select date '2024-03-01' - date '2024-02-01', timestamp '2024-01-01' + '1 day', timestamp '2024-01-02' - '2024-01-01 06:00';
select timestamp '2024-01-01' - '1 hour';
-- interval arithmetic
select interval '1 day' + interval '2 hours', interval '1 day' - interval '2 hours', - interval '1 day', -interval '1 year 2 days 03:00';
select interval '1 day' * 1.5, interval '1 mon' / 4, 2 * interval '3 hours', interval '1 hour' * 0.5, interval '1 mon 3 days' * 2;
select interval '1 year' / 5, interval '10 days' / 3, interval '1 day' * 0, interval '5 mons 10 days' * 0.3;
select interval '1 day' + '3 hours', interval '1 mon' - '1 day';
-- comparison
select interval '1 mon' = interval '30 days', interval '1 day' < interval '25 hours', interval '2 days' > '47 hours', interval '1 day' <> interval '24 hours';
select interval '1 year' > interval '360 days', interval '-1 day' < interval '0', interval '1 day' between interval '23 hours' and interval '25 hours';
create table iv (id int primary key, d interval not null, t timestamp);
insert into iv values (1, '1 day', '2024-01-01'), (2, '24 hours', '2024-01-02 12:00'), (3, '1 mon', '2024-02-01'), (4, '-1 day', '2023-12-31'), (5, '00:00:30', '2024-01-01 00:00:30');
select id, d from iv order by d, id;
select d, count(*) from iv group by d order by d;
select min(d), max(d) from iv;
select id, t + d, t - d from iv order by id;
select id from iv where d > interval '12 hours' order by id;
select a.id, b.id, b.t - a.t from iv a join iv b on b.id = a.id + 1 order by a.id;
select distinct d from iv where d <= '1 day' order by d;
update iv set d = d * 2 where id = 5;
select d from iv where id = 5;
select d::text, cast('2 hours' as interval), '3 days'::text::interval from iv where id = 1;
-- extract and date_part
select extract(epoch from interval '1 day 1 second'), extract(hour from interval '1 day 5 hours'), extract(minute from interval '01:02:03');
select extract(second from interval '1.5 seconds'), extract(millisecond from interval '1.5 seconds'), extract(microsecond from interval '1.5 seconds');
select extract(year from interval '27 months'), extract(month from interval '27 months'), extract(day from interval '40 days'), extract(quarter from interval '8 mons');
select extract(epoch from interval '1 year'), extract(epoch from interval '1 mon'), extract(epoch from interval '-1 day 02:00'), extract(decade from interval '25 years');
select date_part('month', interval '1 year 14 mons'), date_part('epoch', interval '1 day'), date_part('second', interval '00:00:02.25');
select extract(century from interval '250 years'), extract(millennium from interval '2500 years');
-- justify_* and age
select justify_hours(interval '27 hours'), justify_hours(interval '-27 hours'), justify_days(interval '35 days'), justify_days(interval '-35 days');
select justify_interval(interval '1 mon -1 hour'), justify_interval(interval '-1 mon 1 hour'), justify_interval(interval '50 days 30 hours');
select age(timestamp '2024-03-01', timestamp '2023-01-15 10:00'), age(timestamp '2023-01-15', timestamp '2024-03-01');
select age(timestamp '2024-03-31', timestamp '2024-02-29'), age(timestamp '2001-04-10', timestamp '1957-06-13'), age(date '2024-01-01', date '2023-12-31');
select age(timestamp '2000-01-01 00:00:00.5', timestamp '2000-01-01 00:00:01');
-- errors
select 'x'::interval;
select '1 fortnight'::interval;
select '1 day ago 2 hours'::interval, '2 hours 1 day ago'::interval;
select '1 day ago ago'::interval;
select interval '1 day' / 0;
select interval '1 week' - date '2020-01-01';
select interval '1 day' + 1;
select '2147483648 days'::interval;
select extract(week from interval '1 day');
select extract(fortnight from interval '1 day');
select timestamp '294276-12-31' + interval '1 year';
