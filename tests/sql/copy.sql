-- COPY FROM STDIN and TO STDOUT, text and CSV formats, and their errors
CREATE TABLE cp (a int PRIMARY KEY, b text, c int DEFAULT 7, d boolean);
COPY cp FROM stdin;
1	hello	10	t
2	\N	\N	f
3	tab\there	30	\N
4	back\\slash\nnewline	40	true
5	octal \101\x42	50	false
\.
SELECT * FROM cp ORDER BY a;
COPY cp TO stdout;
COPY cp (a, b) FROM stdin;
10	ten
11	eleven
\.
SELECT a, b, c FROM cp WHERE a >= 10 ORDER BY a;
COPY cp (b, a) TO stdout;
COPY (SELECT a, b FROM cp WHERE a < 3 ORDER BY a) TO stdout;
COPY cp TO stdout WITH (FORMAT csv, HEADER);
COPY cp TO stdout WITH CSV HEADER;
COPY cp TO stdout WITH (DELIMITER '|', NULL 'NULL');
COPY cp TO stdout (FORMAT csv, DELIMITER ';', QUOTE '''', NULL '-');
COPY (SELECT a, b FROM cp WHERE a = 3) TO stdout WITH (FORMAT text, HEADER true);
-- CSV in
COPY cp FROM stdin WITH (FORMAT csv, HEADER);
a,b,c,d
20,"quoted, comma",1,t
21,"say ""hi""",2,f
22,"multi
line",3,
23,,4,t
24,"",5,t
\.
SELECT a, b, b IS NULL AS isnull, c, d FROM cp WHERE a >= 20 ORDER BY a;
COPY cp FROM stdin CSV NULL 'NA' QUOTE '''' ESCAPE '\';
25,'it\'s',NA,NA
\.
SELECT * FROM cp WHERE a = 25;
COPY cp (a, b) FROM stdin WITH (FORMAT csv, DELIMITER '|');
26|a,b
\.
SELECT a, b FROM cp WHERE a = 26;
-- errors: nothing is loaded
COPY cp FROM stdin;
30	x	1	t
31	y
32	z	3	t
\.
COPY cp FROM stdin;
30	x	1	t
31	y	2	t	extra
\.
COPY cp FROM stdin;
30	x	1	t
31	y	notanumber	t
\.
COPY cp FROM stdin;
30	x	1	t
31	y	2	maybe
\.
COPY cp FROM stdin;
30	x	1	t
1	dup	2	t
\.
COPY cp FROM stdin WITH (FORMAT csv);
30,"unterminated,1,t
\.
SELECT count(*) FROM cp WHERE a >= 30;
-- (a COPY FROM that fails before its data makes psql skip the data, so
-- the errors found before the data are shown with TO)
COPY cp (a, nosuch) TO stdout;
COPY cp (a, a) TO stdout;
COPY nosuch TO stdout;
COPY cp TO stdout WITH (FORMAT bogus);
COPY cp TO stdout WITH (FORMAT csv, FORMAT csv);
COPY cp TO stdout WITH (DELIMITER 'ab');
COPY cp TO stdout WITH (QUOTE '"');
COPY cp TO stdout WITH (bogus true);
COPY cp TO stdout WITH (FORMAT csv, DELIMITER ',', QUOTE ',');
CREATE TABLE nn (a int NOT NULL, b text);
COPY nn FROM stdin;
1	one
\N	two
\.
SELECT count(*) FROM nn;
DROP TABLE nn;
DROP TABLE cp;
