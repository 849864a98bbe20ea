package dev.llmwatcher.engine;

/**
 * The batch part of a pass, run before its direct calls: all the pass needs of the batch drain ({@code
 * engine.batch}), so the pass knows nothing of batches, files or submissions. {@link #NONE} when the batch mode is
 * off: a pass then makes only direct calls.
 */
public interface BatchWork {

    /** No batch work: nothing is collected or submitted, and the direct calls take every document. */
    BatchWork NONE = new BatchWork() {
        @Override
        public BatchReport run(RunRequest request) {
            return BatchReport.NONE;
        }

        @Override
        public boolean takesOpenAi(BatchReport report) {
            return false;
        }
    };

    /** Collects what earlier passes submitted and submits what waits, within the request's deadline. */
    BatchReport run(RunRequest request);

    /** True when this pass's direct calls must leave OpenAI documents to the batch work ({@code report} is its own). */
    boolean takesOpenAi(BatchReport report);
}
