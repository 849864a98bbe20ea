package dev.llmwatcher.engine.backfill;

import dev.llmwatcher.backfill.SourceSelection;

import java.util.function.LongConsumer;

/**
 * One backfill: what to queue ({@code selection}), into which queue, with which instructions, under which backfill
 * id, read in {@code slices} concurrent slices of {@code pageSize} documents. {@code progress} hears the number of
 * documents read so far after each page (from the slices' threads).
 */
public record EnqueueRequest(SourceSelection selection, String queueIndex, BackfillInstructions instructions,
                             String backfillId, int slices, int pageSize, LongConsumer progress) {

    public static final int DEFAULT_SLICES = 2;
    public static final int DEFAULT_PAGE_SIZE = 1000;

    public EnqueueRequest {
        if (slices < 1 || pageSize < 1) {
            throw new IllegalArgumentException("slices and page size must be at least 1");
        }
        progress = progress == null ? read -> { } : progress;
    }

    public EnqueueRequest(SourceSelection selection, String queueIndex, BackfillInstructions instructions,
                          String backfillId) {
        this(selection, queueIndex, instructions, backfillId, DEFAULT_SLICES, DEFAULT_PAGE_SIZE, null);
    }
}
