/* SPDX-License-Identifier: MIT */
/* console.h: console set-up and panic hand-over. */
#ifndef CORE_CONSOLE_H
#define CORE_CONSOLE_H

void console_init(void);
/* From now on only `cpu` prints, without the lock (panic). */
void console_take_over(int cpu);

#endif
