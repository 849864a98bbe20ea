package dev.llmwatcher.budget;

import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/**
 * A drainer's side of the daily token budget. A pass calls {@link #startPass()} first, asks {@link #admits} before it
 * claims a document, {@link #reserve}s before every call and {@link #settle}s after it, and ends with {@link
 * #endPass()}, which gives back every token it did not use. The batch drain holds a whole submission's estimate with
 * {@link #holdSubmission} and settles it at collection with {@link #settleSubmission}, at the batch price.
 *
 * <p>{@link #UNLIMITED} is the budget when none is configured: it admits everything, holds nothing and never asks
 * anyone.
 */
public interface TokenBudget {

    TokenBudget UNLIMITED = new Unlimited();

    /**
     * A pass starts: forgets what the last pass was refused and reads the ledger once. Returns the models whose
     * budget is spent now, so the pass can leave their documents out of its queue query.
     */
    Set<String> startPass();

    /** False when {@code model}'s budget is spent: its documents are not to be claimed in this pass. */
    boolean admits(String model);

    /**
     * Holds the estimate of one call of {@code model} before it goes out.
     *
     * @param maxCompletion the request's own completion limit ({@code max_tokens}), if it has one
     * @throws BudgetExhaustedException when the budget cannot cover the estimate; from then on the model is not
     *                                  {@link #admits admitted} in this pass
     */
    Reservation reserve(String model, int promptChars, OptionalLong maxCompletion) throws BudgetExhaustedException;

    /**
     * Settles a call with the tokens its provider reported. A provider that reported none is charged the estimate:
     * the budget never counts a paid call as free.
     */
    void settle(Reservation reservation, long promptTokens, long completionTokens);

    /**
     * Settles a call that got no answer: at its estimate when the provider may have billed it anyway (it timed out
     * while the provider worked on it), else at nothing (refused, never reached).
     */
    void settleUnanswered(Reservation reservation, boolean mayHaveBeenBilled);

    /**
     * The pass ends: gives back every share not used and reports each model's budget as the pass left it: every model
     * it called or found spent, and every model with a budget that something was spent on today (as the pass start
     * read it), so its remaining budget is reported by every pass.
     */
    List<BudgetUse> endPass();

    /**
     * Holds {@code estimatedTokens} of {@code model}'s budget today for a whole batch submission, until {@code
     * until} (its completion window and a margin): the hold outlives this process.
     *
     * @throws BudgetExhaustedException when today's budget cannot cover it
     */
    SubmissionHold holdSubmission(String submission, String model, long estimatedTokens, Instant until)
            throws BudgetExhaustedException;

    /**
     * Holds at most {@code estimatedTokens}, and at least {@code leastTokens}, of {@code model}'s budget today for a
     * batch submission: the hold returned says how much was granted ({@link SubmissionHold#tokens()}), and the
     * submission sends no more than that covers. Refused only when not even {@code leastTokens} are left, and from then
     * on the model is not {@link #admits admitted} in this pass.
     *
     * @throws BudgetExhaustedException when today's budget cannot cover {@code leastTokens}
     */
    SubmissionHold holdSubmission(String submission, String model, long leastTokens, long estimatedTokens,
                                  Instant until) throws BudgetExhaustedException;

    /**
     * Settles a submission's hold with the tokens its collected answers were billed, at the batch price, on the day
     * the hold was made; {@code keepHeld} tokens stay held for answers still to collect (0 ends the hold).
     */
    void settleSubmission(SubmissionHold hold, long promptTokens, long completionTokens, long keepHeld);

    /** Gives a submission's hold back unused (the batch was refused or cancelled before it cost anything). */
    void releaseSubmission(SubmissionHold hold);

    /** A call's estimate, for a caller that holds budget for many calls at once (a batch submission). */
    long estimate(String model, int promptChars, OptionalLong maxCompletion);

    /** The budget that limits nothing. */
    final class Unlimited implements TokenBudget {

        private Unlimited() {
        }

        @Override
        public Set<String> startPass() {
            return Set.of();
        }

        @Override
        public boolean admits(String model) {
            return true;
        }

        @Override
        public Reservation reserve(String model, int promptChars, OptionalLong maxCompletion) {
            return Reservation.unmetered(model, promptChars);
        }

        @Override
        public void settle(Reservation reservation, long promptTokens, long completionTokens) {
            // nothing is counted without a budget
        }

        @Override
        public void settleUnanswered(Reservation reservation, boolean mayHaveBeenBilled) {
            // nothing is counted without a budget
        }

        @Override
        public List<BudgetUse> endPass() {
            return List.of();
        }

        @Override
        public SubmissionHold holdSubmission(String submission, String model, long estimatedTokens, Instant until) {
            return new SubmissionHold(submission, model, null, estimatedTokens, until, false);
        }

        @Override
        public SubmissionHold holdSubmission(String submission, String model, long leastTokens, long estimatedTokens,
                                             Instant until) {
            return holdSubmission(submission, model, estimatedTokens, until);
        }

        @Override
        public void settleSubmission(SubmissionHold hold, long promptTokens, long completionTokens, long keepHeld) {
            // nothing is counted without a budget
        }

        @Override
        public void releaseSubmission(SubmissionHold hold) {
            // nothing was held
        }

        @Override
        public long estimate(String model, int promptChars, OptionalLong maxCompletion) {
            return 0;
        }
    }
}
