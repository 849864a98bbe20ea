package dev.llmwatcher.budget;

import java.util.Locale;

/** How a spent budget is described, the same in every message. */
final class Spent {

    private Spent() {
    }

    static String message(String model, DaySpend day, long limit) {
        return String.format(Locale.ROOT, "the daily token budget of %s is spent (%,d of %,d tokens spent or held by "
                + "calls in flight today, UTC)", model, day.spent() + day.held(), limit);
    }
}
