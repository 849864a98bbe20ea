package dev.llmwatcher.testing;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * The token budget's day is the UTC day of the system clock, which child processes read too. A test that spends a
 * day's budget and then checks the ledger of "today" cannot hold across midnight (the budget rightly starts afresh),
 * so such a test first makes sure the day it runs on lasts longer than it does: if midnight is nearer than that, it
 * waits for the new day. This only costs time when the suite runs in the minutes before 00:00 UTC.
 */
public final class UtcDay {

    private UtcDay() {
    }

    /** Returns once the current UTC day has at least {@code needed} left, sleeping into the next day if it has not. */
    public static void lastsAtLeast(Duration needed) throws InterruptedException {
        Instant now = Instant.now();
        Instant midnight = LocalDate.ofInstant(now, ZoneOffset.UTC).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        Duration left = Duration.between(now, midnight);
        if (left.compareTo(needed) < 0) {
            Duration wait = left.plusSeconds(2);
            System.out.printf("%s: the UTC day ends in %s, the test needs %s; waiting %s for the next day%n",
                    UtcDay.class.getSimpleName(), left, needed, wait);
            Thread.sleep(wait);
        }
    }
}
