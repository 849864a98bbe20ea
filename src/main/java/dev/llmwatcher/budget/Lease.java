package dev.llmwatcher.budget;

/**
 * A holder's share after an exchange: {@code held} tokens set aside for it (its {@code keep} plus what was {@code
 * granted}), and the day as the exchange left it.
 *
 * @param refused the holder asked for a chunk and not even its {@code need} was left
 */
public record Lease(long held, long granted, boolean refused, DaySpend day) {
}
