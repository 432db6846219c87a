/* SPDX-License-Identifier: MIT */
/* durable.h: the database disk of the `db` command. */
#ifndef DB_SERVER_DURABLE_H
#define DB_SERVER_DURABLE_H

#include <stdbool.h>

struct db;

/* Opens disk 0 for db (initialised, empty): recovery, with its report on
 * the console; format creates a database on a disk that holds none. No
 * disk: in memory (said on the console). 0, or -1 after a message (the
 * command must stop: never a silent reformat). */
int db_durable_open(struct db *db, bool format);
/* The background checkpointer (with a disk). */
void db_durable_start(struct db *db);

#endif
