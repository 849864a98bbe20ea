package dev.llmwatcher.budget;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The daily token budget shared through a {@link TokenLedger} by every drainer of a cluster. Each model's share is an
 * {@link ModelAccount}, one per UTC day: a call reserves its estimate from the share, and the share is topped up by a
 * chunk from the ledger (one conditional write) only when it does not cover the next estimate, so the ledger sees one
 * request per chunk, not per call. What a call really cost is reported with the next exchange, and every share not
 * used is given back when the pass ends.
 *
 * <p>Models without a budget are not metered: no estimate, no ledger request. The day is the UTC day of the injected
 * clock at the moment a call is reserved; a call reserved before midnight is counted on the day it was reserved.
 */
public final class SharedTokenBudget implements TokenBudget {

    private static final Logger LOG = LoggerFactory.getLogger(SharedTokenBudget.class);
    /** A lease lasts this much longer than two calls may take, and is renewed with a call's time and this left. */
    private static final Duration LEASE_MARGIN = Duration.ofSeconds(60);

    private final TokenLedger ledger;
    private final DailyLimits limits;
    private final Clock clock;
    private final TokenEstimator estimator = new TokenEstimator();
    private final ModelAccount.Terms terms;
    private final Map<Key, ModelAccount> accounts = new ConcurrentHashMap<>();
    private final Set<String> spentAtStart = ConcurrentHashMap.newKeySet();
    private final Map<String, DaySpend> seenAtStart = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> batchSpentThisPass = new ConcurrentHashMap<>();
    /** Per model, the day as the last batch hold or settlement of this pass left it. */
    private final Map<String, DaySpend> batchSeen = new ConcurrentHashMap<>();

    private record Key(String model, LocalDate day) {
    }

    /**
     * @param holder      this drainer's name in the ledger, unique per process
     * @param callTimeout the longest one call may take: leases are renewed in time to cover any call in flight
     * @param concurrency calls in flight at once: a chunk covers twice as many calls, so most calls ask nobody
     */
    public SharedTokenBudget(TokenLedger ledger, DailyLimits limits, Clock clock, String holder, Duration callTimeout,
                             int concurrency) {
        this.ledger = ledger;
        this.limits = limits;
        this.clock = clock;
        this.terms = new ModelAccount.Terms(ledger, holder, clock,
                callTimeout.multipliedBy(2).plus(LEASE_MARGIN), callTimeout.plus(LEASE_MARGIN.dividedBy(2)),
                Math.max(2, 2L * concurrency));
    }

    @Override
    public Set<String> startPass() {
        LocalDate today = today();
        accounts.values().forEach(ModelAccount::startPass);
        accounts.entrySet().removeIf(entry -> entry.getKey().day().isBefore(today) && entry.getValue().idle());
        spentAtStart.clear();
        seenAtStart.clear();
        batchSpentThisPass.clear();
        batchSeen.clear();
        limits.perModel().forEach((model, limit) -> {
            if (limit == 0) {
                spentAtStart.add(model);
            }
        });
        try {
            for (DaySpend day : ledger.day(today, clock.instant())) {
                OptionalLong limit = limits.of(day.model());
                if (limit.isPresent()) {
                    seenAtStart.put(day.model(), day);
                    if (day.exhausted(limit.getAsLong())) {
                        spentAtStart.add(day.model());
                    }
                }
            }
        } catch (LedgerUnavailableException e) {
            LOG.warn("Could not read today's token budgets (each call still asks the ledger before it goes out): {}",
                    e.getMessage());
        }
        return Set.copyOf(spentAtStart);
    }

    @Override
    public boolean admits(String model) {
        OptionalLong limit = limits.of(model);
        if (limit.isEmpty()) {
            return true;
        }
        if (limit.getAsLong() == 0 || spentAtStart.contains(model)) {
            return false;
        }
        ModelAccount account = accounts.get(new Key(model, today()));
        return account == null || !account.exhausted();
    }

    @Override
    public Reservation reserve(String model, int promptChars, OptionalLong maxCompletion)
            throws BudgetExhaustedException {
        OptionalLong limit = limits.of(model);
        if (limit.isEmpty()) {
            return Reservation.unmetered(model, promptChars);
        }
        if (limit.getAsLong() == 0 || spentAtStart.contains(model)) {
            throw new BudgetExhaustedException(Spent.message(model,
                    seenAtStart.getOrDefault(model, DaySpend.none(model, today())), limit.getAsLong()));
        }
        long estimate = estimator.estimate(model, promptChars, maxCompletion);
        LocalDate day = today();
        accounts.computeIfAbsent(new Key(model, day), key -> new ModelAccount(model, day, limit.getAsLong(), terms))
                .reserve(estimate);
        return new Reservation(model, day, estimate, promptChars, true);
    }

    @Override
    public void settle(Reservation reservation, long promptTokens, long completionTokens) {
        if (!reservation.metered()) {
            return;
        }
        estimator.observe(reservation.model(), reservation.promptChars(), promptTokens, completionTokens);
        long reported = promptTokens + completionTokens;
        charge(reservation, Price.DIRECT.charge(reported > 0 ? reported : reservation.estimate()));
    }

    @Override
    public void settleUnanswered(Reservation reservation, boolean mayHaveBeenBilled) {
        if (reservation.metered()) {
            charge(reservation, mayHaveBeenBilled ? reservation.estimate() : 0);
        }
    }

    private void charge(Reservation reservation, long tokens) {
        ModelAccount account = accounts.get(new Key(reservation.model(), reservation.day()));
        if (account != null) {
            account.settle(reservation.estimate(), tokens);
        }
    }

    @Override
    public List<BudgetUse> endPass() {
        List<BudgetUse> uses = new ArrayList<>();
        Set<String> reported = new HashSet<>();
        LocalDate today = today();
        for (Map.Entry<Key, ModelAccount> entry : accounts.entrySet()) {
            ModelAccount account = entry.getValue();
            account.giveBack();
            if (account.touched() && entry.getKey().day().equals(today)) {
                BudgetUse use = account.use();
                uses.add(withBatch(use));
                reported.add(use.model());
            }
        }
        accounts.entrySet().removeIf(entry -> entry.getKey().day().isBefore(today) && entry.getValue().idle());
        for (Map.Entry<String, DaySpend> settled : batchSeen.entrySet()) {
            if (reported.add(settled.getKey())) {
                DaySpend day = settled.getValue();
                uses.add(withBatch(new BudgetUse(day.model(), limits.of(day.model()).orElse(0), day.spent(),
                        day.held(), 0, false)));
            }
        }
        for (String model : spentAtStart) {
            if (reported.add(model)) {
                DaySpend day = seenAtStart.getOrDefault(model, DaySpend.none(model, today));
                uses.add(withBatch(new BudgetUse(model, limits.of(model).orElse(0), day.spent(), day.held(), 0,
                        true)));
            }
        }
        for (DaySpend day : seenAtStart.values()) {
            if (reported.add(day.model())) {
                long limit = limits.of(day.model()).orElse(0);
                uses.add(new BudgetUse(day.model(), limit, day.spent(), day.held(), 0, day.exhausted(limit)));
            }
        }
        return uses;
    }

    private BudgetUse withBatch(BudgetUse use) {
        LongAdder batch = batchSpentThisPass.get(use.model());
        return batch == null ? use : new BudgetUse(use.model(), use.limit(), use.spentToday(), use.heldToday(),
                use.spentThisPass() + batch.sum(), use.exhausted());
    }

    @Override
    public SubmissionHold holdSubmission(String submission, String model, long estimatedTokens, Instant until)
            throws BudgetExhaustedException {
        return holdSubmission(submission, model, estimatedTokens, estimatedTokens, until);
    }

    @Override
    public SubmissionHold holdSubmission(String submission, String model, long leastTokens, long estimatedTokens,
                                         Instant until) throws BudgetExhaustedException {
        OptionalLong limit = limits.of(model);
        LocalDate day = today();
        if (limit.isEmpty()) {
            return new SubmissionHold(submission, model, day, estimatedTokens, until, false);
        }
        Instant now = clock.instant();
        long least = Math.min(leastTokens, estimatedTokens);
        try {
            Lease lease = ledger.exchange(new LeaseRequest(model, day, new SubmissionHold(submission, model, day,
                    estimatedTokens, until, true).holder(), limit.getAsLong(), 0, 0, least, estimatedTokens, until, now));
            if (lease.refused()) {
                spentAtStart.add(model);
                seenAtStart.put(model, lease.day());
                throw new BudgetExhaustedException(Spent.message(model, lease.day(), limit.getAsLong()));
            }
            batchSeen.put(model, lease.day());
            return new SubmissionHold(submission, model, day, lease.granted(), until, true);
        } catch (LedgerUnavailableException e) {
            throw new BudgetExhaustedException("no budget could be held for batch submission " + submission
                    + ", since the token budget's ledger could not be reached: " + e.getMessage(), e);
        }
    }

    @Override
    public void settleSubmission(SubmissionHold hold, long promptTokens, long completionTokens, long keepHeld) {
        long charged = Price.BATCH.charge(promptTokens + completionTokens);
        batchSpentThisPass.computeIfAbsent(hold.model(), model -> new LongAdder()).add(charged);
        if (hold.metered() && limits.of(hold.model()).isPresent()) {
            giveBack(hold, charged, keepHeld);
        }
    }

    @Override
    public void releaseSubmission(SubmissionHold hold) {
        if (hold.metered() && limits.of(hold.model()).isPresent()) {
            giveBack(hold, 0, 0);
        }
    }

    /**
     * Settles a submission's hold on the day it was made. A ledger that cannot be reached now leaves the hold to end by
     * itself and the spend uncounted: said in a warning, since it lets that day's budget be spent past its limit.
     */
    private void giveBack(SubmissionHold hold, long charged, long keepHeld) {
        Instant now = clock.instant();
        try {
            Lease lease = ledger.exchange(LeaseRequest.giveBack(hold.model(), hold.day(), hold.holder(),
                    limits.of(hold.model()).orElse(0), charged, keepHeld, keepHeld > 0 ? hold.until() : now, now));
            if (charged > 0) {
                batchSeen.put(hold.model(), lease.day());
            }
        } catch (LedgerUnavailableException e) {
            LOG.warn("Could not settle batch submission {} ({} tokens of {}) in the token budget's ledger: {}",
                    hold.submission(), charged, hold.model(), e.getMessage());
        }
    }

    @Override
    public long estimate(String model, int promptChars, OptionalLong maxCompletion) {
        return estimator.estimate(model, promptChars, maxCompletion);
    }

    private LocalDate today() {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    }
}
