package dev.llmwatcher.batch;

import dev.llmwatcher.llm.LlmAnswer;
import dev.llmwatcher.llm.LlmException;

import java.util.Optional;

/**
 * One line of a batch's output or error file: the answer to the request named {@code customId}, or why it has none.
 * {@code unanswered} is set when the provider never got to it (the batch expired or was cancelled first): that is
 * not the document's failure, it goes back to the queue.
 */
public record BatchResult(String customId, Optional<LlmAnswer> answer, Optional<LlmException> error,
                          boolean unanswered) {

    public static BatchResult answered(String customId, LlmAnswer answer) {
        return new BatchResult(customId, Optional.of(answer), Optional.empty(), false);
    }

    public static BatchResult failed(String customId, LlmException error) {
        return new BatchResult(customId, Optional.empty(), Optional.of(error), false);
    }

    public static BatchResult notAnswered(String customId, LlmException why) {
        return new BatchResult(customId, Optional.empty(), Optional.of(why), true);
    }
}
