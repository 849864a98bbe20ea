package dev.llmwatcher.engine;

import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * How one pass's prepared documents get their answers: {@link AnswerReuse} when the answer cache is on (from the
 * cache, or by sharing a call), {@link DirectCalls} when it is off (each document its own call). One per pass.
 */
interface PassAnswers {

    /**
     * How many documents, already claimed and waiting, to prepare together before {@link #answerFromCache}: a page
     * when their questions are looked up at once, one when nothing is looked up (so none waits for the others).
     */
    int groupSize(int pageSize);

    /** Hands the documents the cache answers to {@code outcomes} and returns the others, to be called. */
    List<PreparedDocument> answerFromCache(List<PreparedDocument> prepared, Consumer<DocumentOutcome> outcomes);

    /**
     * The outcome of the document's call; or empty when it shares a call another document is making, whose end
     * hands its outcome to {@code outcomes}.
     */
    Optional<DocumentOutcome> callOrShare(PreparedDocument prepared, CallTimeout timeout,
                                          Consumer<DocumentOutcome> outcomes);
}
