package dev.llmwatcher.backfill;

import java.util.Map;

/** A queue document to create: the source document's id, and its source plus {@code _llm_watcher}. */
public record QueueEntry(String id, Map<String, Object> source) {
}
