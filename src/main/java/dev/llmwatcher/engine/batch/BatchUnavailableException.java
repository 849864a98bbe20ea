package dev.llmwatcher.engine.batch;

import dev.llmwatcher.llm.LlmException;

/**
 * The provider's Batch API could not be reached to settle a submission: the pass stops its batch work (documents
 * stay claimed under their submission and the next pass settles them) and goes on with its direct calls.
 */
final class BatchUnavailableException extends RuntimeException {

    BatchUnavailableException(LlmException cause) {
        super(cause.getMessage(), cause);
    }
}
