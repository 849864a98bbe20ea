package dev.llmwatcher.budget;

import java.time.Instant;

/** One holder's share of a model's day, as the ledger keeps it: {@code tokens} set aside until {@code until}. */
public record LedgerLease(String holder, long tokens, Instant until) {

    boolean liveAt(Instant now) {
        return until.isAfter(now);
    }
}
