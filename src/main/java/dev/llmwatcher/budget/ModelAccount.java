package dev.llmwatcher.budget;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * This drainer's share of one model's budget on one UTC day. Calls reserve their estimate from the share without
 * asking anyone; only when the share does not cover the next estimate, or its lease is about to end, does it make one
 * exchange with the ledger (reporting what was spent since the last one and asking for a new chunk). A lock, not a
 * monitor, so the virtual threads waiting behind an exchange do not pin their carriers.
 */
final class ModelAccount {

    private static final Logger LOG = LoggerFactory.getLogger(ModelAccount.class);

    /**
     * How this drainer deals with the ledger.
     *
     * @param leaseTtl       how long a lease lasts from its last exchange; a crashed drainer's share comes back then
     * @param renewBefore    a lease with less than this left is renewed before another call is reserved on it: more
     *                       than the longest call takes, so a call in flight is always covered by a live lease
     * @param callsPerChunk  estimates asked for at once, so an exchange serves that many calls
     */
    record Terms(TokenLedger ledger, String holder, Clock clock, Duration leaseTtl, Duration renewBefore,
                 long callsPerChunk) {
    }

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled whenever a call settles: a reservation waiting for this drainer's own calls tries again. */
    private final Condition settled = lock.newCondition();
    private final String model;
    private final LocalDate day;
    private final long limit;
    private final Terms terms;
    /** The tokens the ledger holds for us. */
    private long held;
    /** Tokens settled since the last exchange, not yet counted as spent in the ledger. */
    private long used;
    /** Estimates of the calls in flight. */
    private long reserved;
    private Instant leaseUntil = Instant.EPOCH;
    private boolean exhausted;
    private boolean touched;
    private long spentThisPass;
    private DaySpend lastSeen;

    ModelAccount(String model, LocalDate day, long limit, Terms terms) {
        this.model = model;
        this.day = day;
        this.limit = limit;
        this.terms = terms;
        this.lastSeen = DaySpend.none(model, day);
    }

    LocalDate day() {
        return day;
    }

    /**
     * Holds {@code need} tokens for a call, from the share or from a new chunk. When the ledger has none left but
     * this drainer's own calls in flight hold estimates, it waits for them to settle and asks again: their estimates
     * may be larger than what they cost (a model's first estimate is), and refusing now would stop the model for the
     * rest of the pass with budget left.
     */
    void reserve(long need) throws BudgetExhaustedException {
        lock.lock();
        try {
            touched = true;
            while (true) {
                if (exhausted) {
                    throw new BudgetExhaustedException(Spent.message(model, lastSeen, limit));
                }
                Instant now = terms.clock().instant();
                if (held - used - reserved >= need && !leaseUntil.isBefore(now.plus(terms.renewBefore()))) {
                    reserved += need;
                    return;
                }
                long want = saturated(need, terms.callsPerChunk());
                Lease lease = exchange(new LeaseRequest(model, day, terms.holder(), limit, used, reserved, need, want,
                        now.plus(terms.leaseTtl()), now));
                if (!lease.refused()) {
                    reserved += need;
                    return;
                }
                if (reserved == 0) {
                    exhausted = true;
                    throw new BudgetExhaustedException(Spent.message(model, lastSeen, limit));
                }
                settled.awaitNanos(terms.renewBefore().toNanos());
            }
        } catch (LedgerUnavailableException e) {
            throw new BudgetExhaustedException("no budget could be held for the call, since the token budget's "
                    + "ledger could not be reached: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BudgetExhaustedException("interrupted while waiting for budget for the call", e);
        } finally {
            lock.unlock();
        }
    }

    private static long saturated(long a, long b) {
        long product = a * b;
        return Math.multiplyHigh(a, b) != 0 || product < 0 ? Long.MAX_VALUE : product;
    }

    /** A call that reserved {@code estimate} ended and cost {@code charged} budget tokens. */
    void settle(long estimate, long charged) {
        lock.lock();
        try {
            reserved -= estimate;
            used += charged;
            spentThisPass += charged;
            settled.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Reports what was spent and gives back the share beyond the calls still in flight. When the ledger cannot be
     * reached the spend stays to be reported by the next exchange, and the share comes back when its lease ends.
     */
    void giveBack() {
        lock.lock();
        try {
            if (used == 0 && held == reserved) {
                return;
            }
            Instant now = terms.clock().instant();
            exchange(LeaseRequest.giveBack(model, day, terms.holder(), limit, used, reserved,
                    reserved > 0 ? now.plus(terms.leaseTtl()) : now, now));
        } catch (LedgerUnavailableException e) {
            LOG.warn("Could not give back the unused token budget of {} for {}; it comes back by itself within {} s: "
                    + "{}", model, day, terms.leaseTtl().toSeconds(), e.getMessage());
        } finally {
            lock.unlock();
        }
    }

    private Lease exchange(LeaseRequest request) {
        Lease lease = terms.ledger().exchange(request);
        used = 0;
        held = lease.held();
        leaseUntil = request.until();
        lastSeen = lease.day();
        return lease;
    }

    /** A new pass: what the last one was refused and spent is forgotten. */
    void startPass() {
        lock.lock();
        try {
            exhausted = false;
            touched = false;
            spentThisPass = 0;
        } finally {
            lock.unlock();
        }
    }

    boolean exhausted() {
        lock.lock();
        try {
            return exhausted;
        } finally {
            lock.unlock();
        }
    }

    /** True when this pass reserved on it. */
    boolean touched() {
        lock.lock();
        try {
            return touched;
        } finally {
            lock.unlock();
        }
    }

    /** Nothing held, in flight or unreported: the account can be forgotten. */
    boolean idle() {
        lock.lock();
        try {
            return held == 0 && used == 0 && reserved == 0;
        } finally {
            lock.unlock();
        }
    }

    BudgetUse use() {
        lock.lock();
        try {
            return new BudgetUse(model, limit, lastSeen.spent(), lastSeen.held(), spentThisPass,
                    exhausted || lastSeen.exhausted(limit));
        } finally {
            lock.unlock();
        }
    }
}
