package dev.llmwatcher.budget;

import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * One model's UTC day in the ledger, and the ledger's rules, in one place: every {@link TokenLedger} adapter reads
 * its stored day into this, applies {@link #exchange} and writes the result back conditionally, so an adapter only
 * decides how a day is stored and how a write is made conditional, never who gets how much.
 *
 * <p>The rules of an exchange:
 * <ul>
 *   <li>leases that ended are dropped: a crashed holder's share comes back once its lease ends;</li>
 *   <li>{@code settled} tokens are added to {@code spent};</li>
 *   <li>what is left is the limit less the spend, the other live leases and the holder's {@code keep};</li>
 *   <li>a chunk is granted only when at least {@code need} is left, and is then the smaller of {@code want} and
 *       half of a fair share of what is left (what is left divided by the live holders, this one included), but never
 *       less than {@code need}: chunks shrink as the day's budget runs out, so the last of it is not stranded in one
 *       drainer while another is refused.</li>
 * </ul>
 *
 * @param spent       tokens settled today
 * @param limit       the budget the last chunk was asked under (informational: each drainer applies its own)
 * @param refusedNeed the smallest call estimate refused today; 0 when none was
 * @param leases      every lease as stored, ended ones included until the next write drops them
 */
public record LedgerDay(String model, LocalDate day, long spent, long limit, long refusedNeed,
                        List<LedgerLease> leases) {

    public LedgerDay {
        leases = List.copyOf(leases);
    }

    /** A day nobody has spent anything on yet. */
    public static LedgerDay empty(String model, LocalDate day) {
        return new LedgerDay(model, day, 0, 0, 0, List.of());
    }

    /** The day after {@code request}, and the holder's lease. */
    public record Exchanged(LedgerDay next, Lease lease) {
    }

    public Exchanged exchange(LeaseRequest request) {
        Instant now = request.now();
        List<LedgerLease> others = new ArrayList<>();
        long heldByOthers = 0;
        for (LedgerLease lease : leases) {
            if (lease.liveAt(now) && !lease.holder().equals(request.holder())) {
                others.add(lease);
                heldByOthers += lease.tokens();
            }
        }
        long newSpent = spent + request.settled();
        long room = request.limit() - newSpent - heldByOthers - request.keep();
        long granted = 0;
        boolean refused = false;
        if (request.want() > 0) {
            if (room >= request.need()) {
                long fairHalf = room / (2L * (others.size() + 1));
                granted = Math.min(request.want(), Math.max(request.need(), fairHalf));
            } else {
                refused = true;
            }
        }
        long held = request.keep() + granted;
        List<LedgerLease> next = new ArrayList<>(others);
        if (held > 0) {
            next.add(new LedgerLease(request.holder(), held, request.until()));
        }
        long newRefusedNeed = !refused ? refusedNeed
                : refusedNeed == 0 ? request.need() : Math.min(refusedNeed, request.need());
        long newLimit = request.want() > 0 ? request.limit() : limit;
        LedgerDay after = new LedgerDay(model, day, newSpent, newLimit, newRefusedNeed, next);
        return new Exchanged(after, new Lease(held, granted, refused, after.spendAt(now)));
    }

    /** The day as of {@code now}: only live leases count as held. */
    public DaySpend spendAt(Instant now) {
        long held = 0;
        int holders = 0;
        for (LedgerLease lease : leases) {
            if (lease.liveAt(now)) {
                held += lease.tokens();
                holders++;
            }
        }
        return new DaySpend(model, day, spent, held, holders, limit, refusedNeed);
    }
}
