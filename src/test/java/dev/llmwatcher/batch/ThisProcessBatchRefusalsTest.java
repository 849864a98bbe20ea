package dev.llmwatcher.batch;

import java.util.UUID;

/** The refusals a drain without a cluster keeps in its own process keep the contract too. */
class ThisProcessBatchRefusalsTest extends BatchRefusalsContract {

    private final BatchRefusals refusals = BatchRefusals.thisProcessOnly();

    @Override
    protected BatchRefusals refusals() {
        return refusals;
    }

    @Override
    protected String queue() {
        return "queue-" + UUID.randomUUID();
    }
}
