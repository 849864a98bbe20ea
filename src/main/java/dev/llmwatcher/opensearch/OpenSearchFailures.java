package dev.llmwatcher.opensearch;

import dev.llmwatcher.config.ElasticsearchSettings;
import dev.llmwatcher.queue.QueueBusyException;
import dev.llmwatcher.queue.QueueUnavailableException;
import org.opensearch.client.opensearch._types.ErrorCause;
import org.opensearch.client.opensearch._types.OpenSearchException;
import org.opensearch.client.transport.httpclient5.ResponseException;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * Turns the client's failures of a whole request into the port's exceptions with one line a user can act on, and
 * per-item errors into short reasons, as the Elasticsearch adapter does: back-pressure (429, 503) is
 * {@link QueueBusyException}, 401/403 an authentication failure; the password is scrubbed from every message.
 */
public final class OpenSearchFailures {

    private final ElasticsearchSettings settings;

    public OpenSearchFailures(ElasticsearchSettings settings) {
        this.settings = settings;
    }

    /** A whole request failed; {@code action} as in "could not {@code action}". */
    public QueueUnavailableException unavailable(String action, Exception e) {
        int status = status(e);
        String cause = status > 0 ? "HTTP " + status + " " + describe(e) : describe(e);
        String message = scrub("OpenSearch at " + settings.endpoints() + " could not " + action + ": " + cause);
        if (status == 429 || status == 503) {
            return new QueueBusyException(message, e);
        }
        return new QueueUnavailableException(message, status == 401 || status == 403, e);
    }

    /** A missing index is an answer (an empty queue, nothing to do), not a failure. */
    public static boolean isIndexNotFound(Exception e) {
        Throwable cause = e instanceof dev.llmwatcher.queue.QueueUnavailableException ? e.getCause() : e;
        return cause instanceof OpenSearchException oe && oe.error() != null
                && "index_not_found_exception".equals(oe.error().type())
                || cause instanceof RawRequests.RawFailure raw && "index_not_found_exception".equals(raw.type());
    }

    /** OpenSearch's own words for an item error, on one line: {@code type: reason (caused by: type: reason)}. */
    public String reason(ErrorCause error) {
        if (error == null) {
            return "unknown error";
        }
        StringBuilder text = new StringBuilder(String.valueOf(error.type())).append(": ").append(error.reason());
        ErrorCause cause = error.causedBy();
        if (cause != null && cause.reason() != null) {
            text.append(" (caused by: ").append(cause.type()).append(": ").append(cause.reason()).append(')');
        }
        return scrub(oneLine(text.toString()));
    }

    static int status(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof OpenSearchException oe) {
                return oe.status();
            }
            if (t instanceof ResponseException re) {
                return re.status();
            }
            if (t instanceof RawRequests.RawFailure raw) {
                return raw.status();
            }
        }
        return 0;
    }

    private String describe(Exception e) {
        if (e instanceof OpenSearchException oe && oe.error() != null) {
            return oneLine(oe.error().type() + ": " + oe.error().reason());
        }
        if (find(e, ConnectException.class).isPresent() || find(e, UnknownHostException.class).isPresent()) {
            return "could not connect (connection refused, or the host cannot be reached)";
        }
        if (find(e, SocketTimeoutException.class).isPresent()) {
            return "no answer within " + settings.requestTimeout().toMillis() / 1000.0 + " s";
        }
        Throwable described = e;
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            described = t;
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                break;
            }
        }
        String message = described.getMessage() == null ? "" : ": " + oneLine(described.getMessage());
        return described.getClass().getSimpleName() + message;
    }

    private static <T extends Throwable> Optional<T> find(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return Optional.of(type.cast(t));
            }
        }
        return Optional.empty();
    }

    private String scrub(String text) {
        String result = text;
        Optional<String> password = settings.password().filter(p -> p.length() >= 3);
        if (password.isPresent()) {
            result = result.replace(password.get(), "***");
        }
        if (settings.apiKey().isPresent()) {
            result = result.replace(settings.apiKey().get(), "***");
        }
        return result;
    }

    private static String oneLine(String text) {
        return text.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }
}
