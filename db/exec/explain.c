/* SPDX-License-Identifier: MIT */
/* explain.c: EXPLAIN [ANALYZE]: the plan unidb runs, in PostgreSQL's shape.
 *
 * The statement is bound exactly as it would run (describe_only, with
 * x->explain set, so that exec_select keeps every bound SELECT), then this
 * file walks the bound form and asks the functions the executor asks for
 * each decision: plan_access for a table's access path, select_src and
 * select_hash_cond for a hash join or a nested loop, filters_split for
 * where each conjunct of WHERE is applied, select_item_parallel for a
 * join input scanned as a morsel job, par_wanted for the parallel
 * operator. No decision is taken twice in two places, so the plan
 * printed is the plan run (the one choice made only at run time: which
 * side of a hash join is built, by row counts). The tree mirrors
 * run_select's order: scans (with the conjuncts on their own rows;
 * all of WHERE for a one-table query), joins (conjuncts on the joined
 * rows as Join Filter, the rest as the top join's Filter), aggregation
 * (HAVING as its filter), DISTINCT, ORDER BY, then
 * LIMIT/OFFSET. unidb has no cost model: no costs are printed (as
 * PostgreSQL's COSTS OFF). With ANALYZE the statement first runs, from a
 * fresh parse of its text; the top node gets the rows it produced (or
 * changed), the plan the execution time. Subqueries in expressions print
 * as "(SubPlan)" inside their expression.
 *
 * Text format: a node at depth d > 0 starts with 6d - 4 blanks and
 * "->  ", its properties are indented 6d + 2 blanks (PostgreSQL's
 * layout). FORMAT JSON prints the same tree as PostgreSQL's JSON keys. */
#include <stdio.h>
#include <string.h>
#include <unidb/errno.h>
#include <unidb/time.h>

#include "catalog.h"
#include "internal.h"
#include "../txn/htap.h"

#define XNODE_PROPS 8
#define XNODE_KIDS 2
#define EXPLAIN_MAX_DEPTH 64 /* deeper set-operation chains print "..." */

struct explain_note {
	const struct select *s;
	const struct sel *q;
	struct explain_note *next;
};

struct explain {
	struct explain_note *notes;
};

struct xprop {
	const char *key, *val;
	bool json_only; /* "Relation Name" & co.: already in the text label */
};

struct xnode {
	const char *type;  /* "Seq Scan", "Hash Join" */
	const char *label; /* the text format's first line */
	struct xprop props[XNODE_PROPS];
	int nprops;
	struct xnode *kids[XNODE_KIDS];
	int nkids;
};

int explain_keep(struct exec_ctx *x, const struct select *s, const struct sel *q,
		 size_t size)
{
	struct explain_note *n = arena_alloc(x->a, sizeof(*n));
	void *copy = arena_alloc(x->a, size);

	if (!n || !copy)
		return db_err_oom(x->err);
	memcpy(copy, q, size);
	n->s = s;
	n->q = copy;
	n->next = x->explain->notes;
	x->explain->notes = n;
	return 0;
}

static const struct sel *bound_sel(struct exec_ctx *x, const struct select *s)
{
	struct explain_note *n;

	for (n = x->explain->notes; n; n = n->next)
		if (n->s == s)
			return n->q;
	return NULL;
}

/* ---- nodes ------------------------------------------------------------- */

static struct xnode *xnode(struct exec_ctx *x, const char *type,
			   const char *label)
{
	struct xnode *n = arena_alloc(x->a, sizeof(*n));

	if (!n) {
		db_err_oom(x->err);
		return NULL;
	}
	memset(n, 0, sizeof(*n));
	n->type = type;
	n->label = label ? label : type;
	return n;
}

static char *xstr(struct exec_ctx *x, struct strbuf *sb)
{
	char *s = sb->oom ? NULL
			  : arena_strndup(x->a, sb->p ? sb->p : "", sb->len);

	sb_free(sb);
	if (!s)
		db_err_oom(x->err);
	return s;
}

static void xprop(struct xnode *n, const char *key, const char *val,
		  bool json_only)
{
	if (n && val && n->nprops < XNODE_PROPS)
		n->props[n->nprops++] = (struct xprop){key, val, json_only};
}

static struct xnode *xkid(struct xnode *n, struct xnode *kid)
{
	if (!n || !kid)
		return NULL;
	n->kids[n->nkids++] = kid;
	return n;
}

/* ---- expressions as PostgreSQL prints them ----------------------------- */

struct deparse {
	struct strbuf *sb;
	const struct scope *sc;
	bool qualify; /* several relations: columns as rel.col */
	struct expr **aggs;
	int naggs;
};

static void const_out(struct strbuf *sb, const struct datum *v)
{
	char buf[64];

	if (v->null) {
		sb_puts(sb, "NULL");
		return;
	}
	if (type_is_int(v->type) || v->type == TYPE_NUMERIC) {
		datum_out(sb, v);
		return;
	}
	sb_putc(sb, '\'');
	datum_out(sb, v);
	sb_putc(sb, '\'');
	if (v->type != TYPE_UNKNOWN)
		sb_printf(sb, "::%s",
			  type_display((struct sql_type){v->type, -1}, buf,
				       sizeof(buf)));
}

static void deparse(struct deparse *d, const struct expr *e);

static void deparse_list(struct deparse *d, struct expr **v, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (i)
			sb_puts(d->sb, ", ");
		deparse(d, v[i]);
	}
}

static void deparse_func(struct deparse *d, const struct expr *e)
{
	sb_printf(d->sb, "%s(", e->name ? e->name : "?");
	if (e->star)
		sb_putc(d->sb, '*');
	if (e->distinct)
		sb_puts(d->sb, "DISTINCT ");
	deparse_list(d, e->args, e->nargs);
	sb_putc(d->sb, ')');
}

static void deparse_column(struct deparse *d, const struct expr *e)
{
	if (d->qualify && d->sc && e->slot >= 0 && e->slot < d->sc->n &&
	    d->sc->cols[e->slot].table)
		sb_printf(d->sb, "%s.", d->sc->cols[e->slot].table);
	else if (e->qual && e->kind == EX_OUTER)
		sb_printf(d->sb, "%s.", e->qual);
	sb_puts(d->sb, e->name ? e->name : "?");
}

static void deparse(struct deparse *d, const struct expr *e)
{
	struct strbuf *sb = d->sb;
	char buf[64];
	int i;

	if (!e) {
		sb_puts(sb, "?");
		return;
	}
	if (e->folded) { /* as PostgreSQL: the value the plan uses */
		const_out(sb, e->folded);
		return;
	}
	switch (e->kind) {
	case EX_CONST:
		const_out(sb, &e->val);
		return;
	case EX_PARAM:
		sb_printf(sb, "$%d", e->slot + 1);
		return;
	case EX_COLUMN:
	case EX_OUTER:
		deparse_column(d, e);
		return;
	case EX_UNOP:
		sb_printf(sb, "(%s ", e->op == OP_NOT ? "NOT" : "-");
		deparse(d, e->l);
		sb_putc(sb, ')');
		return;
	case EX_BINOP:
		sb_putc(sb, '(');
		deparse(d, e->l);
		sb_printf(sb, " %s ", op_name(e->op));
		deparse(d, e->r);
		sb_putc(sb, ')');
		return;
	case EX_ISNULL:
	case EX_ISBOOL:
		sb_putc(sb, '(');
		deparse(d, e->l);
		sb_printf(sb, " IS %s%s)", e->negated ? "NOT " : "",
			  e->kind == EX_ISNULL ? "NULL"
			  : e->val.i	       ? "TRUE"
					       : "FALSE");
		return;
	case EX_CAST:
		sb_putc(sb, '(');
		deparse(d, e->l);
		sb_printf(sb, ")::%s", type_display(e->type, buf, sizeof(buf)));
		return;
	case EX_FUNC:
		deparse_func(d, e);
		return;
	case EX_AGGREF:
		if (e->slot >= 0 && e->slot < d->naggs)
			deparse_func(d, d->aggs[e->slot]);
		else
			sb_puts(sb, "?");
		return;
	case EX_CASE:
		sb_puts(sb, "CASE");
		if (e->x) {
			sb_putc(sb, ' ');
			deparse(d, e->x);
		}
		for (i = 0; i + 1 < e->nargs; i += 2) {
			sb_puts(sb, " WHEN ");
			deparse(d, e->args[i]);
			sb_puts(sb, " THEN ");
			deparse(d, e->args[i + 1]);
		}
		if (e->r) {
			sb_puts(sb, " ELSE ");
			deparse(d, e->r);
		}
		sb_puts(sb, " END");
		return;
	case EX_IN:
		sb_putc(sb, '(');
		deparse(d, e->l);
		sb_puts(sb, e->negated ? " NOT IN (" : " IN (");
		deparse_list(d, e->args, e->nargs);
		sb_puts(sb, "))");
		return;
	case EX_BETWEEN:
		sb_putc(sb, '(');
		deparse(d, e->x);
		sb_puts(sb, e->negated ? " NOT BETWEEN " : " BETWEEN ");
		deparse(d, e->l);
		sb_puts(sb, " AND ");
		deparse(d, e->r);
		sb_putc(sb, ')');
		return;
	case EX_LIKE:
		sb_putc(sb, '(');
		deparse(d, e->l);
		sb_puts(sb, e->negated ? " !~~ " : " ~~ ");
		deparse(d, e->r);
		sb_putc(sb, ')');
		return;
	case EX_SUBLINK:
		sb_puts(sb, "(SubPlan)");
		return;
	default:
		sb_puts(sb, "?");
	}
}

/* e as text, or NULL (no expression or out of memory, x->err tells). */
static const char *expr_text(struct exec_ctx *x, const struct sel_view *v,
			     const struct expr *e)
{
	struct strbuf sb = STRBUF_INIT;
	struct deparse d = {&sb, v ? v->sc : NULL,
			    v && v->s->nfrom > 1, v ? v->aggs : NULL,
			    v ? v->naggs : 0};

	if (!e)
		return NULL;
	deparse(&d, e);
	return xstr(x, &sb);
}

static const char *expr_list_text(struct exec_ctx *x, const struct sel_view *v,
				  struct expr **list, int n)
{
	struct strbuf sb = STRBUF_INIT;
	struct deparse d = {&sb, v->sc, v->s->nfrom > 1, v->aggs, v->naggs};

	deparse_list(&d, list, n);
	return xstr(x, &sb);
}

/* The conjuncts of st as one condition: "(a AND b AND c)", as
 * PostgreSQL prints a list of quals; NULL for none. */
static const char *stage_text(struct exec_ctx *x, const struct sel_view *v,
			      const struct stage *st, const struct expr *skip)
{
	struct strbuf sb = STRBUF_INIT;
	struct deparse d = {&sb, v->sc, v->s->nfrom > 1, v->aggs, v->naggs};
	int k, n = 0;

	for (k = 0; k < st->n; k++)
		n += st->v[k] != skip;
	if (!n)
		return NULL;
	if (n > 1)
		sb_putc(&sb, '(');
	for (k = 0, n = 0; k < st->n; k++) {
		if (st->v[k] == skip)
			continue;
		if (n++)
			sb_puts(&sb, " AND ");
		deparse(&d, st->v[k]);
	}
	if (n > 1)
		sb_putc(&sb, ')');
	return xstr(x, &sb);
}

/* ---- scans ------------------------------------------------------------- */

static struct xnode *wrap(struct exec_ctx *x, struct xnode *kid, const char *type,
			  const char *label)
{
	return kid ? xkid(xnode(x, type, label), kid) : NULL;
}


static const char *rel_label(struct exec_ctx *x, const char *what,
			     const char *name, const char *alias)
{
	struct strbuf sb = STRBUF_INIT;

	sb_printf(&sb, "%s%s", what, name);
	if (alias && strcmp(alias, name))
		sb_printf(&sb, " %s", alias);
	return xstr(x, &sb);
}

static void cond_add(struct strbuf *sb, int *n, const char *col, const char *op,
		     const struct datum *v)
{
	sb_printf(sb, "%s(%s %s ", (*n)++ ? " AND " : "", col, op);
	const_out(sb, v);
	sb_putc(sb, ')');
}

/* The index condition of an access path, as PostgreSQL's Index Cond. */
static const char *index_cond(struct exec_ctx *x, const struct table *t,
			      const struct access_path *p)
{
	struct strbuf sb = STRBUF_INIT;
	const char *last;
	int i, n = 0;

	for (i = 0; i < p->neq; i++)
		cond_add(&sb, &n, t->cols[p->ix.cols[i]].name, "=", &p->key[i]);
	last = p->neq < p->ix.ncols ? t->cols[p->ix.cols[p->neq]].name : "";
	if (p->nin) {
		sb_printf(&sb, "%s(%s = ANY ('{", n++ ? " AND " : "", last);
		for (i = 0; i < p->nin; i++) {
			if (i)
				sb_putc(&sb, ',');
			datum_out(&sb, &p->in[i]);
		}
		sb_puts(&sb, "}'))");
	}
	if (p->has_lo)
		cond_add(&sb, &n, last, ">=", &p->lo);
	if (p->has_hi)
		cond_add(&sb, &n, last, "<=", &p->hi);
	if (n > 1) {
		struct strbuf w = STRBUF_INIT;

		sb_printf(&w, "(%s)", sb.p);
		sb_free(&sb);
		sb = w;
	}
	return xstr(x, &sb);
}

/* A stored table's scan: the access path plan_access chooses for where
 * (NULL: a join input, which is scanned whole). par: the parallel
 * operator's scan. */
static struct xnode *table_node(struct exec_ctx *x, struct table *t,
				const char *alias, const struct expr *where,
				bool par)
{
	struct access_path p = {0};
	struct xnode *n;

	if (where && plan_access(x, t, where, &p) < 0)
		return NULL;
	if (p.use_index) {
		struct strbuf sb = STRBUF_INIT;

		sb_printf(&sb, "Index Scan using %s on ", p.ix.name);
		n = xnode(x, "Index Scan",
			  rel_label(x, xstr(x, &sb), t->name, alias));
		xprop(n, "Index Name", p.ix.name, true);
		xprop(n, "Index Cond", index_cond(x, t, &p), false);
	} else {
		n = xnode(x, par ? "Parallel Seq Scan" : "Seq Scan",
			  rel_label(x, par ? "Parallel Seq Scan on "
					   : "Seq Scan on ",
				    t->name, alias));
	}
	xprop(n, "Relation Name", t->name, true);
	xprop(n, "Alias", alias ? alias : t->name, true);
	return n;
}

static struct xnode *select_node(struct exec_ctx *x, const struct select *s,
				 int depth);

/* FROM item i of v; where: its filter (one-table queries); else fs:
 * where the conjuncts of WHERE go (select.c). A join input that runs as
 * a morsel job (select_item_parallel) is a Parallel Seq Scan under a
 * Gather, as PostgreSQL prints one. */
static struct xnode *src_node(struct exec_ctx *x, const struct sel *q,
			      const struct sel_view *v, int i,
			      const struct expr *where,
			      const struct filters *fs, int depth)
{
	struct from_item *f = &v->s->from[i];
	bool hashed, par = false;
	struct table *t = select_src(q, i, &hashed);
	struct xnode *n;

	if (t && fs) {
		struct exec_ctx run = *x;

		run.describe_only = false; /* as the statement will run */
		par = select_item_parallel(&run, q, i, &fs->scan[i],
					   i ? &fs->joined[i] : NULL);
	}
	if (t)
		n = table_node(x, t, f->alias, i == 0 ? where : NULL, par);
	else if (f->func)
		n = xnode(x, "Function Scan",
			  rel_label(x, "Function Scan on ", f->func->name,
				    f->alias));
	else if (!f->sub) /* a pg_catalog relation, built for the query */
		n = xnode(x, "Seq Scan",
			  rel_label(x, "Seq Scan on ", f->table, f->alias));
	else
		n = xkid(xnode(x, "Subquery Scan",
			       rel_label(x, "Subquery Scan on ",
					 f->alias ? f->alias : "unnamed_subquery",
					 NULL)),
			 select_node(x, f->sub, depth + 1));
	xprop(n, "Filter", fs ? stage_text(x, v, &fs->scan[i], NULL)
			      : expr_text(x, v, where), false);
	if (par) {
		n = wrap(x, n, "Gather", NULL);
		xprop(n, "Workers Planned", "all cores (morsel job)", false);
	}
	return n;
}

/* The joins of FROM items 0..i, left-deep as select.c runs them; fs:
 * where the conjuncts of WHERE go (NULL: a one-table query, whose scan
 * has all of WHERE as its filter). */
static struct xnode *join_node(struct exec_ctx *x, const struct sel *q,
			       const struct sel_view *v, int i,
			       const struct filters *fs, int depth)
{
	struct from_item *f = &v->s->from[i];
	bool hashed, left = f->join == JOIN_LEFT;
	struct xnode *n, *right;

	if (i == 0)
		return src_node(x, q, v, 0, fs ? NULL : v->s->where, fs, depth);
	select_src(q, i, &hashed);
	n = xnode(x, hashed ? "Hash Join" : "Nested Loop",
		  hashed ? (left ? "Hash Left Join" : "Hash Join")
			 : (left ? "Nested Loop Left Join" : "Nested Loop"));
	xprop(n, "Join Type", left ? "Left" : "Inner", true);
	if (hashed) {
		/* a key taken from WHERE is checked again with the joined
		 * rows' filters: printed once, as the key */
		const struct expr *key = select_hash_cond(q, i);

		xprop(n, "Hash Cond", expr_text(x, v, key), false);
		xprop(n, "Join Filter",
		      stage_text(x, v, &fs->joined[i], key), false);
		right = xkid(xnode(x, "Hash", NULL),
			     src_node(x, q, v, i, NULL, fs, depth));
	} else {
		xprop(n, "Join Filter", expr_text(x, v, f->on), false);
		xprop(n, "Filter", stage_text(x, v, &fs->joined[i], NULL),
		      false);
		right = src_node(x, q, v, i, NULL, fs, depth);
	}
	return xkid(xkid(n, join_node(x, q, v, i - 1, fs, depth + 1)), right);
}

/* The FROM clause: a one-table query's scan filters by all of WHERE;
 * with several items, each conjunct sits where select.c applies it. */
static struct xnode *from_node(struct exec_ctx *x, const struct sel *q,
			       const struct sel_view *v, int depth)
{
	struct filters fs;
	struct xnode *n;

	if (v->s->nfrom == 1)
		return join_node(x, q, v, 0, NULL, depth);
	if (filters_split(x, q, &fs) < 0)
		return NULL;
	n = join_node(x, q, v, v->s->nfrom - 1, &fs, depth);
	if (n)
		xprop(n, "Filter", stage_text(x, v, &fs.last, NULL), false);
	return n;
}

/* ---- SELECT ------------------------------------------------------------- */

static const char *sort_keys(struct exec_ctx *x, const struct sel_view *v,
			     const struct select *s)
{
	struct strbuf sb = STRBUF_INIT;
	struct deparse d = {&sb, v ? v->sc : NULL, v && v->s->nfrom > 1,
			    v ? v->aggs : NULL, v ? v->naggs : 0};
	int i;

	for (i = 0; i < s->norder; i++) {
		const struct order_item *o = &s->order[i];

		if (i)
			sb_puts(&sb, ", ");
		deparse(&d, o->e);
		if (o->desc)
			sb_puts(&sb, " DESC");
		if (o->nulls_first >= 0 && o->nulls_first != o->desc)
			sb_puts(&sb, o->nulls_first ? " NULLS FIRST" : " NULLS LAST");
	}
	return xstr(x, &sb);
}

/* Sort and Limit above n, for ORDER BY and LIMIT/OFFSET of s. */
static struct xnode *sort_limit(struct exec_ctx *x, const struct sel_view *v,
				const struct select *s, struct xnode *n)
{
	if (s->norder) {
		n = wrap(x, n, "Sort", NULL);
		xprop(n, "Sort Key", sort_keys(x, v, s), false);
	}
	if (s->limit || s->offset)
		n = wrap(x, n, "Limit", NULL);
	return n;
}

/* Grouping: the serial HashAggregate/Aggregate, or the parallel
 * operator (parallel.c), which PostgreSQL would print as a Gather of
 * partial aggregates: each core aggregates its morsels, the submitting
 * thread merges the partials. */
static struct xnode *agg_node(struct exec_ctx *x, const struct sel *q,
			      const struct sel_view *v, int depth)
{
	const struct select *s = v->s;
	bool hashed, par = false;
	struct table *t = s->nfrom == 1 ? select_src(q, 0, &hashed) : NULL;
	const char *kind = s->ngroup ? "HashAggregate" : "Aggregate";
	struct xnode *n;

	if (t) {
		struct par_agg pa = {t,	      s->where, s->group, s->ngroup,
				     v->aggs, v->naggs, NULL};
		struct exec_ctx run = *x;

		run.describe_only = false; /* as the statement will run */
		par = par_wanted(&run, &pa);
	}
	if (par) {
		n = table_node(x, t, s->from[0].alias, NULL, true);
		xprop(n, "Filter", expr_text(x, v, s->where), false);
		n = wrap(x, n, kind, s->ngroup ? "Partial HashAggregate"
					       : "Partial Aggregate");
		xprop(n, "Partial Mode", "Partial", true);
		n = wrap(x, n, "Gather", NULL);
		xprop(n, "Workers Planned", "all cores (morsel job)", false);
		n = wrap(x, n, kind, s->ngroup ? "Finalize HashAggregate"
					       : "Finalize Aggregate");
		xprop(n, "Partial Mode", "Finalize", true);
	} else {
		n = wrap(x, s->nfrom ? from_node(x, q, v, depth)
				     : xnode(x, "Result", NULL),
			 kind, NULL);
	}
	if (s->ngroup)
		xprop(n, "Group Key", expr_list_text(x, v, s->group, s->ngroup),
		      false);
	xprop(n, "Filter", expr_text(x, v, s->having), false);
	return n;
}

static struct xnode *plain_select(struct exec_ctx *x, const struct select *s,
				  int depth)
{
	const struct sel *q = bound_sel(x, s);
	struct sel_view v;
	struct xnode *n;

	if (!q) { /* not bound: nothing to show (cannot happen) */
		db_err(x->err, "XX000", "EXPLAIN: query not bound");
		return NULL;
	}
	select_view(q, &v);
	if (v.grouped)
		n = agg_node(x, q, &v, depth);
	else if (s->nfrom)
		n = from_node(x, q, &v, depth);
	else
		n = xnode(x, "Result", NULL);
	if (s->distinct) {
		struct expr **tl = arena_alloc(x->a, sizeof(*tl) *
							    (size_t)(s->ntargets + 1));
		int i;

		if (!tl)
			return NULL;
		for (i = 0; i < s->ntargets; i++)
			tl[i] = s->targets[i].e;
		n = wrap(x, n, "HashAggregate", NULL);
		xprop(n, "Group Key", expr_list_text(x, &v, tl, s->ntargets),
		      false);
	}
	return sort_limit(x, &v, s, n);
}

static struct xnode *setop_node(struct exec_ctx *x, const struct select *s,
				int depth)
{
	static const char *const names[] = {"", "Union", "Intersect", "Except"};
	struct strbuf sb = STRBUF_INIT;
	struct xnode *n = xnode(x, "Append", NULL);

	xkid(n, select_node(x, s->larg, depth + 2));
	xkid(n, select_node(x, s->rarg, depth + 2));
	if (s->setop == SETOP_UNION && !s->setop_all)
		n = wrap(x, n, "HashAggregate", NULL);
	else if (s->setop != SETOP_UNION) {
		sb_printf(&sb, "HashSetOp %s%s", names[s->setop],
			  s->setop_all ? " All" : "");
		n = wrap(x, n, "SetOp", xstr(x, &sb));
	}
	return sort_limit(x, NULL, s, n);
}

static struct xnode *select_node(struct exec_ctx *x, const struct select *s,
				 int depth)
{
	if (depth > EXPLAIN_MAX_DEPTH)
		return xnode(x, "...", NULL);
	return s->setop ? setop_node(x, s, depth) : plain_select(x, s, depth);
}

/* ---- INSERT, UPDATE, DELETE --------------------------------------------- */

static struct xnode *modify_node(struct exec_ctx *x, struct stmt *st)
{
	static const char *const types[] = {[ST_INSERT] = "Insert",
					    [ST_UPDATE] = "Update",
					    [ST_DELETE] = "Delete"};
	struct table *t = db_find_table(x->db, st->table);
	struct strbuf sb = STRBUF_INIT;
	struct xnode *n, *kid;
	struct scope sc;

	if (!t)
		return no_relation(x, st->table, st->table_pos), NULL;
	sb_printf(&sb, "%s on %s", types[st->kind], t->name);
	n = xnode(x, "ModifyTable", xstr(x, &sb));
	xprop(n, "Operation", types[st->kind], true);
	if (st->kind == ST_INSERT && st->select) {
		struct result sub;

		if (exec_select(x, st->select, &sub) < 0)
			return NULL;
		return xkid(n, select_node(x, st->select, 1));
	}
	if (st->kind == ST_INSERT)
		return xkid(n, st->nrows > 1
				       ? xnode(x, "Values Scan",
					       "Values Scan on \"*VALUES*\"")
				       : xnode(x, "Result", NULL));
	if (scope_of_table(x, t, t->name, &sc) < 0)
		return NULL;
	if (st->where &&
	    bind_bool(&(struct bind_ctx){.x = x, .sc = &sc,
					 .agg_forbidden = "WHERE"},
		      &st->where, "WHERE") < 0)
		return NULL;
	kid = table_node(x, t, NULL, st->where, false);
	xprop(kid, "Filter", expr_text(x, NULL, st->where), false);
	return xkid(n, kid);
}

/* ---- output ------------------------------------------------------------- */

static int out_line(struct exec_ctx *x, struct result *res, struct strbuf *sb)
{
	struct datum *row = arena_alloc(x->a, sizeof(*row));
	char *s = xstr(x, sb);

	if (!row || !s)
		return db_err_oom(x->err);
	*row = datum_str(TYPE_TEXT, s, (uint32_t)strlen(s));
	return result_add(x, res, row);
}

static int text_out(struct exec_ctx *x, struct result *res,
		    const struct xnode *n, int depth, const char *actual)
{
	struct strbuf sb = STRBUF_INIT;
	int i, ind = depth ? 6 * depth - 4 : 0;

	sb_printf(&sb, "%*s%s%s", ind, "", depth ? "->  " : "", n->label);
	if (actual)
		sb_printf(&sb, " (%s)", actual);
	if (out_line(x, res, &sb) < 0)
		return -EINVAL;
	for (i = 0; i < n->nprops; i++) {
		if (n->props[i].json_only)
			continue;
		sb_printf(&sb, "%*s%s: %s", 6 * depth + 2, "", n->props[i].key,
			  n->props[i].val);
		if (out_line(x, res, &sb) < 0)
			return -EINVAL;
	}
	for (i = 0; i < n->nkids; i++)
		if (text_out(x, res, n->kids[i], depth + 1, NULL) < 0)
			return -EINVAL;
	return 0;
}

static void json_str(struct strbuf *sb, const char *s)
{
	sb_putc(sb, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			sb_putc(sb, '\\');
		if ((unsigned char)*s < 0x20)
			sb_printf(sb, "\\u%04x", (unsigned char)*s);
		else
			sb_putc(sb, *s);
	}
	sb_putc(sb, '"');
}

static void json_out(struct strbuf *sb, const struct xnode *n, int ind,
		     const char *actual)
{
	int i;

	sb_printf(sb, "{\n%*s\"Node Type\": ", ind + 2, "");
	json_str(sb, n->type);
	for (i = 0; i < n->nprops; i++) {
		sb_printf(sb, ",\n%*s", ind + 2, "");
		json_str(sb, n->props[i].key);
		sb_puts(sb, ": ");
		json_str(sb, n->props[i].val);
	}
	if (actual)
		sb_printf(sb, ",\n%*s\"Actual Rows\": %s", ind + 2, "", actual);
	if (n->nkids)
		sb_printf(sb, ",\n%*s\"Plans\": [\n", ind + 2, "");
	for (i = 0; i < n->nkids; i++) {
		sb_printf(sb, "%*s", ind + 4, "");
		json_out(sb, n->kids[i], ind + 4, NULL);
		sb_puts(sb, i + 1 < n->nkids ? ",\n" : "\n");
	}
	if (n->nkids)
		sb_printf(sb, "%*s]", ind + 2, "");
	sb_printf(sb, "\n%*s}", ind, "");
}

/* ---- ANALYZE ------------------------------------------------------------ */

/* Runs the explained statement from a fresh parse of its text (binding
 * changes the tree, so the tree that is explained cannot run too): its
 * row count into *rows, its time into *ns. */
static int run_inner(struct exec_ctx *x, struct stmt *st, uint64_t *rows,
		     uint64_t *ns)
{
	size_t end = (size_t)st->inner->end;
	char *q = arena_alloc(x->a, end + 1);
	struct stmt **list;
	struct result r;
	uint64_t t0;
	const char *sp;
	int n;

	if (!q)
		return db_err_oom(x->err);
	/* blanks before the statement keep every position where it was */
	memset(q, ' ', (size_t)st->inner->pos);
	memcpy(q + st->inner->pos, x->query + st->inner->pos,
	       end - (size_t)st->inner->pos);
	q[end] = 0;
	if (sql_parse(x->a, q, end, &list, &n, x->err) < 0)
		return -EINVAL;
	if (n != 1)
		return db_err(x->err, "XX000", "EXPLAIN ANALYZE: bad statement");
	t0 = time_ns();
	if (exec_stmt(x, list[0], &r) < 0)
		return -EINVAL;
	*ns = time_ns() - t0;
	*rows = r.nrows;
	sp = strrchr(r.tag, ' ');
	if (!r.has_rows && sp) /* INSERT 0 n, UPDATE n, DELETE n */
		for (*rows = 0, sp++; *sp >= '0' && *sp <= '9'; sp++)
			*rows = *rows * 10 + (uint64_t)(*sp - '0');
	return 0;
}

/* Whether st reads a vm snapshot (db/txn/htap.h): a plan-level
 * property, printed after the tree as PostgreSQL prints its own ("Settings:",
 * "Execution Time:"); in JSON a key beside "Plan". A statement of a
 * read-write block never does (htap_stmt_begin). */
#define SNAPSHOT_TEXT "shared vm snapshot"

static bool reads_snapshot(struct exec_ctx *x, const struct stmt *st)
{
	return x->txn && !(x->txn->block && !x->txn->read_only) &&
	       htap_stmt_reads_snapshot(x, st);
}

int exec_explain(struct exec_ctx *x, struct stmt *st, struct result *res)
{
	struct explain ex = {0};
	struct exec_ctx b = *x;
	struct xnode *plan;
	struct strbuf sb = STRBUF_INIT;
	char actual[48];
	uint64_t rows = 0, ns = 0;
	bool snap;

	res->has_rows = true;
	res->ncols = 1;
	res->cols = arena_alloc(x->a, sizeof(*res->cols));
	if (!res->cols)
		return db_err_oom(x->err);
	memset(res->cols, 0, sizeof(*res->cols));
	res->cols[0].name = "QUERY PLAN";
	res->cols[0].type = (struct sql_type){TYPE_TEXT, -1};
	if (x->describe_only) /* Describe: the statement is bound when run */
		return 0;
	if ((st->explain & EXPLAIN_ANALYZE) && run_inner(x, st, &rows, &ns) < 0)
		return -EINVAL;
	b.describe_only = true;
	b.explain = &ex;
	if (st->inner->kind == ST_SELECT) {
		struct result sub;

		if (exec_select(&b, st->inner->select, &sub) < 0)
			return -EINVAL;
		plan = select_node(&b, st->inner->select, 0);
	} else {
		plan = modify_node(&b, st->inner);
	}
	if (!plan)
		return x->err->code[0] ? -EINVAL : db_err_oom(x->err);
	snap = reads_snapshot(&b, st->inner);
	snprintf(actual, sizeof(actual), "actual rows=%llu loops=1",
		 (unsigned long long)rows);
	if (st->explain & EXPLAIN_JSON) {
		sb_puts(&sb, "[\n  {\n    \"Plan\": ");
		snprintf(actual, sizeof(actual), "%llu", (unsigned long long)rows);
		json_out(&sb, plan, 4, st->explain & EXPLAIN_ANALYZE ? actual
								     : NULL);
		if (snap)
			sb_puts(&sb, ",\n    \"Snapshot\": \"" SNAPSHOT_TEXT "\"");
		if (st->explain & EXPLAIN_ANALYZE)
			sb_printf(&sb, ",\n    \"Execution Time\": %llu.%03llu",
				  (unsigned long long)(ns / 1000000),
				  (unsigned long long)(ns / 1000 % 1000));
		sb_puts(&sb, "\n  }\n]");
		if (out_line(x, res, &sb) < 0)
			return -EINVAL;
	} else if (text_out(x, res, plan, 0,
			    st->explain & EXPLAIN_ANALYZE ? actual : NULL) < 0) {
		return -EINVAL;
	} else if (snap) {
		sb_puts(&sb, "Snapshot: " SNAPSHOT_TEXT);
		if (out_line(x, res, &sb) < 0)
			return -EINVAL;
	}
	if ((st->explain & EXPLAIN_ANALYZE) && !(st->explain & EXPLAIN_JSON)) {
		sb_printf(&sb, "Execution Time: %llu.%03llu ms",
			  (unsigned long long)(ns / 1000000),
			  (unsigned long long)(ns / 1000 % 1000));
		if (out_line(x, res, &sb) < 0)
			return -EINVAL;
	}
	snprintf(res->tag, sizeof(res->tag), "EXPLAIN");
	return 0;
}
