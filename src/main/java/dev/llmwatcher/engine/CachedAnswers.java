package dev.llmwatcher.engine;

import dev.llmwatcher.llm.LlmAnswer;

import java.util.List;

/**
 * The answer cache as the pass and the batch drain use it: answers already paid for given to documents asking the
 * same question, and answers just paid for kept. {@link StoredAnswers} when the answer cache is on; {@link #off()}, a
 * do-nothing object, when it is off, so that no caller asks whether there is one.
 */
public interface CachedAnswers {

    /** The answer cache off: nothing is looked up or kept, and every document of a pass makes its own call. */
    static CachedAnswers off() {
        return AnswerCacheOff.INSTANCE;
    }

    /**
     * How one pass's prepared documents get their answers, with {@code processor} making the calls: from the cache
     * and by sharing the call of another document with the same question, or each by a call of its own.
     */
    PassAnswers forPass(DocumentProcessor processor);

    /** The documents the cache answers, completed, and the others, to be answered by a call. */
    Answered answer(List<PreparedDocument> prepared);

    /** What {@link #answer} found: the completed documents, and those it did not answer. */
    record Answered(List<DocumentOutcome.Completed> completed, List<PreparedDocument> unanswered) {
    }

    /**
     * {@code completed}, carrying {@code answer} (just paid for, and interpreted without error) to the cache, to be
     * written in the same bulk as its result; as it is when the cache is off.
     */
    /**
     * True when documents asking the same question share one call (a pass's single flight, one line of a batch
     * submission); false when the cache is off, and each document is asked on its own.
     */
    default boolean sharesCalls() {
        return true;
    }

    DocumentOutcome.Completed keeping(DocumentOutcome.Completed completed, PreparedDocument prepared,
                                      LlmAnswer answer);
}
