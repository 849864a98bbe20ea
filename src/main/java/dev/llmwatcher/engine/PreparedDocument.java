package dev.llmwatcher.engine;

import dev.llmwatcher.answer.FormatSpec;
import dev.llmwatcher.queue.QueuedDocument;

/**
 * A queue document checked and ready for its LLM call: everything that can fail without paying for a call has
 * been done. The dry run shows exactly this.
 */
public record PreparedDocument(QueuedDocument document, Instructions instructions, FormatSpec format,
                               String prompt) {
}
