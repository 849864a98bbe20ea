package dev.llmwatcher.queue;

/**
 * Elasticsearch answered a whole request with back-pressure (HTTP 429, or 503 while it recovers): the store works
 * but is shedding load, so a caller holding paid-for answers waits and tries again instead of giving up on them.
 */
public class QueueBusyException extends QueueUnavailableException {

    public QueueBusyException(String message, Throwable cause) {
        super(message, false, cause);
    }
}
