package dev.llmwatcher.budget;

import java.time.Instant;
import java.time.LocalDate;

/**
 * Budget held for a whole Batch API submission of one model: {@code tokens} (its estimate) on the ledger of the UTC
 * {@code day} it was submitted, under the holder {@code batch:<submission>}. It lives in the ledger, not in this
 * process: whoever collects the batch (a later pass, another process, another day) settles it from the same three
 * facts the queue documents carry, the submission id, the model and the submission's day.
 *
 * @param until   when the hold comes back by itself if nobody settles it (the completion window and a margin)
 * @param metered false for a model without a budget: settling it only counts the spend
 */
public record SubmissionHold(String submission, String model, LocalDate day, long tokens, Instant until,
                             boolean metered) {

    /** The ledger's holder name of a submission's hold. */
    public String holder() {
        return "batch:" + submission;
    }
}
