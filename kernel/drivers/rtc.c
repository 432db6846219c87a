/* SPDX-License-Identifier: MIT */
/* rtc.c: the wall clock from the CMOS real-time clock (see time.h).
 *
 * The RTC is read once: wait for the end of an update cycle (status A bit
 * 7), read the fields twice until two reads agree, decode BCD and the
 * 12-hour format if the status B register says so. Its value (UTC under
 * QEMU, `-rtc base=utc` is the default) plus the monotonic time since the
 * read is the wall clock. */
#include <stdatomic.h>
#include <stdbool.h>
#include <unidb/time.h>

#include "../arch/x86_64/x86.h"

static uint8_t cmos(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

struct rtc_fields {
	uint8_t sec, min, hour, day, mon, year, century;
};

static void rtc_read(struct rtc_fields *f)
{
	int spin = 1000000;

	while ((cmos(0x0a) & 0x80) && spin--) /* update in progress */
		;
	f->sec = cmos(0x00);
	f->min = cmos(0x02);
	f->hour = cmos(0x04);
	f->day = cmos(0x07);
	f->mon = cmos(0x08);
	f->year = cmos(0x09);
	f->century = cmos(0x32);
}

static unsigned bcd(uint8_t v)
{
	return (v & 0x0f) + (v >> 4) * 10u;
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int64_t rtc_unix_seconds(void)
{
	struct rtc_fields a, b;
	uint8_t st;
	unsigned hour, year;
	bool pm;
	int tries = 10;

	rtc_read(&a);
	do {
		b = a;
		rtc_read(&a);
	} while (tries-- && (a.sec != b.sec || a.min != b.min ||
			     a.hour != b.hour || a.day != b.day));
	st = cmos(0x0b);
	pm = a.hour & 0x80;
	a.hour &= 0x7f;
	if (!(st & 0x04)) { /* BCD */
		a.sec = (uint8_t)bcd(a.sec), a.min = (uint8_t)bcd(a.min);
		a.hour = (uint8_t)bcd(a.hour), a.day = (uint8_t)bcd(a.day);
		a.mon = (uint8_t)bcd(a.mon), a.year = (uint8_t)bcd(a.year);
		a.century = (uint8_t)bcd(a.century);
	}
	hour = a.hour;
	if (!(st & 0x02) && pm) /* 12-hour clock */
		hour = (hour % 12) + 12;
	year = (a.century >= 19 && a.century <= 30 ? a.century : 20) * 100u +
	       a.year;
	if (a.mon < 1 || a.mon > 12 || a.day < 1 || a.day > 31)
		return 0;
	return days_from_civil(year, a.mon, a.day) * 86400 + hour * 3600 +
	       a.min * 60 + a.sec;
}

static _Atomic int64_t wall_base_us; /* wall clock at boot, 0: unread */

int64_t time_wall_us(void)
{
	int64_t base = atomic_load(&wall_base_us);

	if (!base) {
		base = rtc_unix_seconds() * 1000000 -
		       (int64_t)(time_ns() / 1000);
		atomic_store(&wall_base_us, base ? base : 1);
	}
	return base + (int64_t)(time_ns() / 1000);
}
