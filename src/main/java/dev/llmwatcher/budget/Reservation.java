package dev.llmwatcher.budget;

import java.time.LocalDate;

/**
 * Budget held for one call in flight: its estimate, on the UTC day it was made. A call of a model without a budget
 * gets an unmetered reservation, which settles to nothing.
 *
 * @param promptChars the prompt's length, to calibrate later estimates against the tokens reported
 */
public record Reservation(String model, LocalDate day, long estimate, int promptChars, boolean metered) {

    static Reservation unmetered(String model, int promptChars) {
        return new Reservation(model, null, 0, promptChars, false);
    }
}
