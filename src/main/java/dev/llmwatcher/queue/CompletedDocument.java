package dev.llmwatcher.queue;

import java.util.Map;

/**
 * A document whose answer is ready to be stored: {@code result} (user fields merged with the answer, without
 * {@code _llm_watcher}) goes to {@code targetIndex} under the queue document's {@code _id}.
 */
public record CompletedDocument(QueuedDocument queued, String targetIndex, Map<String, Object> result) {
}
