package dev.llmwatcher.elasticsearch;

/**
 * Elasticsearch answered a whole request with an error status. Transport failures (refused connection, timeout)
 * are {@link java.io.IOException}s instead.
 */
public final class ElasticsearchException extends RuntimeException {

    private final int status;
    private final transient ErrorCause error;

    public ElasticsearchException(String request, int status, ErrorCause error) {
        super("[" + request + "] failed with HTTP " + status + ": [" + error.type() + "] " + error.reason());
        this.status = status;
        this.error = error;
    }

    public int status() {
        return status;
    }

    public ErrorCause error() {
        return error;
    }

    /** A missing index is often an answer (an empty queue), not a failure. */
    public boolean isIndexNotFound() {
        return status == 404 && "index_not_found_exception".equals(error.type());
    }
}
