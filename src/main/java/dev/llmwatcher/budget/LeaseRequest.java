package dev.llmwatcher.budget;

import java.time.Instant;
import java.time.LocalDate;

/**
 * One exchange of a holder's share of a model's budget for a UTC day, in one conditional write: the tokens the
 * holder spent since its last exchange are added to the day's spend ({@code settled}), and its share is set anew to
 * {@code keep} (what its calls in flight were estimated at: never taken back) plus a new chunk of at most {@code
 * want} tokens, granted only if at least {@code need} fit (the next call's estimate). {@code want} 0 gives back
 * everything beyond {@code keep}; {@code keep} 0 too ends the lease.
 *
 * @param holder the drainer (or batch submission) that holds the share: one lease per holder and day
 * @param limit  the day's budget as this holder is configured
 * @param until  when the share comes back by itself if the holder never exchanges again (it crashed)
 * @param now    the time the exchange is judged at: leases that ended before it no longer count
 */
public record LeaseRequest(String model, LocalDate day, String holder, long limit, long settled, long keep,
                           long need, long want, Instant until, Instant now) {

    public LeaseRequest {
        if (settled < 0 || keep < 0 || need < 0 || want < need) {
            throw new IllegalArgumentException("a lease request needs settled, keep, need >= 0 and want >= need; got "
                    + settled + ", " + keep + ", " + need + ", " + want);
        }
    }

    /** Reports {@code settled} and ends the holder's lease except for {@code keep}. */
    public static LeaseRequest giveBack(String model, LocalDate day, String holder, long limit, long settled,
                                        long keep, Instant until, Instant now) {
        return new LeaseRequest(model, day, holder, limit, settled, keep, 0, 0, until, now);
    }
}
