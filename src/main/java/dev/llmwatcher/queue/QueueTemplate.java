package dev.llmwatcher.queue;

import java.util.Optional;

/**
 * The queue index's template, installed by the first pass over a queue as by {@code setup}: a queue index created
 * later (by the first queued document) then maps user fields as stored-only and {@code _llm_watcher} explicitly.
 * Each search-engine adapter implements it.
 */
@FunctionalInterface
public interface QueueTemplate {

    /** What an install did. */
    enum Outcome { CREATED, UPDATED, UNCHANGED }

    /**
     * Installs the template for {@code queueIndex} unless an identical one is there.
     *
     * @param sortField the configured sort field ({@link SortField#parse(Optional)}), mapped by the template
     * @throws QueueUnavailableException when the cluster refuses or cannot answer (HTTP 403: not allowed to)
     */
    Outcome install(String queueIndex, Optional<String> sortField);
}
