-- currval and lastval belong to the session that called nextval.
create sequence ss;
select nextval('ss'), nextval('ss');
select currval('ss'), lastval();
\c
select currval('ss');
select lastval();
select nextval('ss'), currval('ss'), lastval();
select setval('ss', 10);
select currval('ss'), lastval();
select setval('ss', 20, false);
select currval('ss');
create sequence other;
select nextval('other'), lastval(), currval('ss');
\c
select setval('other', 5, false);
select currval('other');
select nextval('other'), currval('other');
