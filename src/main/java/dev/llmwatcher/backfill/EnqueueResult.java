package dev.llmwatcher.backfill;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What creating queue documents did: {@code created} new ones, {@code alreadyQueued} ids that were in the queue
 * already (left as they were: not a failure), {@code failed} others, the first {@link #SHOWN} of them with their
 * reasons by id (so a backfill with many failures still holds a bounded result).
 */
public record EnqueueResult(long created, long alreadyQueued, long failed, Map<String, String> firstFailures) {

    public static final EnqueueResult NONE = new EnqueueResult(0, 0, 0, Map.of());
    public static final int SHOWN = 10;

    public EnqueueResult {
        firstFailures = Map.copyOf(firstFailures);
    }

    public EnqueueResult plus(EnqueueResult other) {
        Map<String, String> shown = new LinkedHashMap<>(firstFailures);
        other.firstFailures.forEach((id, reason) -> {
            if (shown.size() < SHOWN) {
                shown.put(id, reason);
            }
        });
        return new EnqueueResult(created + other.created, alreadyQueued + other.alreadyQueued, failed + other.failed,
                shown);
    }
}
