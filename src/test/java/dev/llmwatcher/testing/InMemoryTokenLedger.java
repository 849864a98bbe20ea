package dev.llmwatcher.testing;

import dev.llmwatcher.budget.DaySpend;
import dev.llmwatcher.budget.Lease;
import dev.llmwatcher.budget.LeaseRequest;
import dev.llmwatcher.budget.LedgerDay;
import dev.llmwatcher.budget.LedgerUnavailableException;
import dev.llmwatcher.budget.TokenLedger;

import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The token budget's ledger kept in memory: the same {@link LedgerDay} rules as the Elasticsearch adapter, each
 * exchange atomic under one lock. It counts exchanges (the ledger requests a drainer makes) and can be made
 * unavailable, so the engine's and the budget's behaviour can be tested in milliseconds.
 */
public final class InMemoryTokenLedger implements TokenLedger {

    private record Key(String model, LocalDate day) {
    }

    private final Map<Key, LedgerDay> days = new HashMap<>();
    private int exchanges;
    private boolean unavailable;

    @Override
    public synchronized Lease exchange(LeaseRequest request) {
        if (unavailable) {
            throw new LedgerUnavailableException("the in-memory ledger was made unavailable", null);
        }
        exchanges++;
        Key key = new Key(request.model(), request.day());
        LedgerDay.Exchanged exchanged = days.getOrDefault(key, LedgerDay.empty(request.model(), request.day()))
                .exchange(request);
        days.put(key, exchanged.next());
        return exchanged.lease();
    }

    @Override
    public synchronized List<DaySpend> day(LocalDate day, Instant now) {
        if (unavailable) {
            throw new LedgerUnavailableException("the in-memory ledger was made unavailable", null);
        }
        List<DaySpend> spends = new ArrayList<>();
        days.forEach((key, stored) -> {
            if (key.day().equals(day)) {
                spends.add(stored.spendAt(now));
            }
        });
        return spends;
    }

    /** Exchanges made so far. */
    public synchronized int exchanges() {
        return exchanges;
    }

    /** The stored day of a model, as the next exchange would read it. */
    public synchronized LedgerDay stored(String model, LocalDate day) {
        return days.getOrDefault(new Key(model, day), LedgerDay.empty(model, day));
    }

    /** While true, every request fails as an unreachable ledger's would. */
    public synchronized void unavailable(boolean unreachable) {
        this.unavailable = unreachable;
    }
}
