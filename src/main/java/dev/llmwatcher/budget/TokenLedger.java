package dev.llmwatcher.budget;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

/**
 * Where the day's spend per model is kept, shared by every drainer of a cluster: one record per model and UTC day
 * with the tokens spent and the live leases (each drainer's share). Implementations apply {@link LedgerDay}'s rules
 * and make each exchange atomic (Elasticsearch: a read, then a write conditional on the version read, again on a
 * conflict), so concurrent drainers can never be granted more than the budget between them.
 *
 * <p>Throws {@link LedgerUnavailableException} when the ledger cannot be read or written; a drainer then starts no
 * call it has no budget for.
 */
public interface TokenLedger {

    /** Applies one exchange atomically and returns the holder's lease. */
    Lease exchange(LeaseRequest request);

    /** Every model with a record for {@code day}, as of {@code now}. */
    List<DaySpend> day(LocalDate day, Instant now);
}
