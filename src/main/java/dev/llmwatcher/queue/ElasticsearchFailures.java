package dev.llmwatcher.queue;

import dev.llmwatcher.elasticsearch.ElasticsearchConnection;
import dev.llmwatcher.elasticsearch.ElasticsearchException;
import dev.llmwatcher.config.ElasticsearchSettings;
import dev.llmwatcher.elasticsearch.ErrorCause;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns whole-request failures into {@link QueueUnavailableException}s with one line a user can act on, and
 * per-item errors into short reasons. Secrets from the settings are scrubbed from every message, and the URL is
 * shown without user info, since messages end up in logs and on the command line.
 */
final class ElasticsearchFailures {

    private final String endpoint;
    private final List<String> secrets = new ArrayList<>();

    ElasticsearchFailures(ElasticsearchSettings settings) {
        this.endpoint = withoutUserInfo(settings.url());
        settings.password().filter(p -> p.length() >= 3).ifPresent(secrets::add);
        settings.apiKey().ifPresent(secrets::add);
        settings.apiKey().map(ElasticsearchConnection::encodedApiKey).ifPresent(secrets::add);
        userInfoPassword(settings.url()).ifPresent(secrets::add);
    }

    /** A whole request failed: the store cannot be used. */
    QueueUnavailableException unavailable(String action, Exception e) {
        int status = status(e);
        String cause = status > 0 ? "HTTP " + status + " " + describe(e) : describe(e);
        String message = scrub("Elasticsearch at " + endpoint + " could not " + action + ": " + cause);
        return new QueueUnavailableException(message, status == 401 || status == 403, e);
    }

    /** A missing index is an answer (an empty queue), not a failure. */
    static boolean isIndexNotFound(ElasticsearchException e) {
        return e.isIndexNotFound();
    }

    /** Elasticsearch's own words for an item error: {@code type: reason (caused by: type: reason)}. */
    String reason(ErrorCause error) {
        if (error == null) {
            return "unknown error";
        }
        StringBuilder text = new StringBuilder(error.type()).append(": ").append(error.reason());
        ErrorCause cause = error.causedBy();
        if (cause != null && cause.reason() != null) {
            text.append(" (caused by: ").append(cause.type()).append(": ").append(cause.reason()).append(')');
        }
        return scrub(oneLine(text.toString()));
    }

    private static int status(Exception e) {
        return e instanceof ElasticsearchException ee ? ee.status() : 0;
    }

    private static String describe(Exception e) {
        if (e instanceof ElasticsearchException ee && ee.error() != null) {
            ErrorCause error = ee.error();
            StringBuilder text = new StringBuilder(error.type()).append(": ").append(error.reason());
            error.rootCause().stream().filter(c -> c.reason() != null && !c.reason().equals(error.reason()))
                    .findFirst().ifPresent(c -> text.append(" (root cause: ").append(c.type()).append(": ")
                            .append(c.reason()).append(')'));
            return oneLine(text.toString());
        }
        if (e instanceof java.net.ConnectException) {
            return "could not connect (" + (e.getMessage() == null ? "connection refused, or the host cannot be "
                    + "reached" : oneLine(e.getMessage())) + ")";
        }
        if (e instanceof dev.llmwatcher.http.HttpTimeoutException) {
            return "no answer in time (" + oneLine(String.valueOf(e.getMessage())) + ")";
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

    private String scrub(String text) {
        String result = text;
        for (String secret : secrets) {
            result = result.replace(secret, "***");
        }
        return result;
    }

    private static String oneLine(String text) {
        return text.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }

    static String withoutUserInfo(URI url) {
        if (url.getUserInfo() == null) {
            return url.toString();
        }
        try {
            return new URI(url.getScheme(), null, url.getHost(), url.getPort(), url.getPath(), null, null).toString();
        } catch (URISyntaxException e) {
            return url.getScheme() + "://" + url.getHost();
        }
    }

    private static java.util.Optional<String> userInfoPassword(URI url) {
        String info = url.getUserInfo();
        if (info == null || !info.contains(":")) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(info.substring(info.indexOf(':') + 1)).filter(p -> !p.isEmpty());
    }
}
