package dev.llmwatcher.elasticsearch;

import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.ErrorCause;
import co.elastic.clients.transport.TransportException;
import co.elastic.clients.transport.rest5_client.low_level.ResponseException;
import co.elastic.clients.util.BinaryData;
import dev.llmwatcher.config.ElasticsearchSettings;
import dev.llmwatcher.queue.QueueBusyException;
import dev.llmwatcher.queue.QueueUnavailableException;

import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Turns the client's failures of a whole request into the port's exceptions with one line a user can act on, and
 * per-item errors into short reasons. Back-pressure (429, 503) becomes {@link QueueBusyException} so a caller holding
 * paid-for answers waits instead of giving up; 401/403 is an authentication failure a caller may refresh
 * credentials for. Secrets from the settings are scrubbed from every message, since messages end up in logs and on
 * the command line.
 */
public final class ElasticsearchFailures {

    private final ElasticsearchSettings settings;
    private final List<String> secrets = new ArrayList<>();

    public ElasticsearchFailures(ElasticsearchSettings settings) {
        this.settings = settings;
        settings.password().filter(p -> p.length() >= 3).ifPresent(secrets::add);
        settings.apiKey().ifPresent(secrets::add);
        settings.apiKey().map(ElasticsearchClients::encodedApiKey).ifPresent(secrets::add);
    }

    /**
     * A whole request failed: the store cannot be used now ({@link QueueBusyException} when Elasticsearch is only
     * shedding load).
     *
     * @param action what was being done, as in "could not {@code action}"
     */
    public QueueUnavailableException unavailable(String action, Exception e) {
        int status = status(e);
        String cause = status > 0 ? "HTTP " + status + " " + describe(e) : describe(e);
        String message = scrub("Elasticsearch at " + settings.endpoints() + " could not " + action + ": " + cause);
        if (status == 429 || status == 503) {
            return new QueueBusyException(message, e);
        }
        return new QueueUnavailableException(message, status == 401 || status == 403, e);
    }

    /** A missing index is an answer (an empty queue, nothing to do), not a failure. */
    public static boolean isIndexNotFound(Exception e) {
        return e instanceof ElasticsearchException ee && ee.error() != null
                && "index_not_found_exception".equals(ee.error().type());
    }

    /** Elasticsearch's own words for an item error, on one line: {@code type: reason (caused by: type: reason)}. */
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

    /** The HTTP status of a failed request, or 0 when there was no answer. */
    static int status(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ElasticsearchException ee) {
                return ee.status();
            }
            if (t instanceof TransportException te && te.statusCode() > 0) {
                return te.statusCode();
            }
            if (t instanceof ResponseException re) {
                return re.getResponse().getStatusCode();
            }
        }
        return 0;
    }

    private String describe(Exception e) {
        if (e instanceof ElasticsearchException ee && ee.error() != null) {
            ErrorCause error = ee.error();
            StringBuilder text = new StringBuilder(String.valueOf(error.type())).append(": ").append(error.reason());
            error.rootCause().stream().filter(c -> c.reason() != null && !c.reason().equals(error.reason()))
                    .findFirst().ifPresent(c -> text.append(" (root cause: ").append(c.type()).append(": ")
                            .append(c.reason()).append(')'));
            return oneLine(text.toString());
        }
        if (e instanceof TransportException te && te.statusCode() > 0) {
            return oneLine(te.getMessage()) + answerText(te).map(text -> ": " + text).orElse("");
        }
        Optional<SSLPeerUnverifiedException> otherHost = find(e, SSLPeerUnverifiedException.class);
        if (otherHost.isPresent()) {
            return notTrusted(otherHost.get());
        }
        Optional<SSLHandshakeException> handshake = find(e, SSLHandshakeException.class);
        if (handshake.isPresent()) {
            return explained(handshake.get());
        }
        if (find(e, ConnectException.class).isPresent() || find(e, UnknownHostException.class).isPresent()) {
            Throwable refused = find(e, ConnectException.class).map(Throwable.class::cast)
                    .orElseGet(() -> find(e, UnknownHostException.class).orElseThrow());
            return "could not connect (" + (refused.getMessage() == null ? "connection refused, or the host cannot "
                    + "be reached" : oneLine(refused.getMessage())) + ")";
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

    /**
     * A server certificate this client refused, said plainly with what it was checked against (the JDK's words are
     * {@code PKIX path building failed: sun.security...}); other handshake failures keep their own words.
     */
    private String explained(SSLHandshakeException e) {
        Optional<CertificateException> refused = find(e, CertificateException.class);
        if (refused.isEmpty()) {
            return "TLS handshake failed: " + oneLine(String.valueOf(e.getMessage()));
        }
        return notTrusted(e);
    }

    /** The certificate, or the host name in it, was refused: said with what it was checked against. */
    private String notTrusted(Throwable e) {
        Throwable innermost = e;
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            innermost = t;
        }
        String trustedBy = settings.caCertificate().map(pem -> "the CA certificate " + pem)
                .or(() -> settings.caFingerprint().map(fingerprint -> "the CA fingerprint"))
                .orElse("the JDK's default CAs; for a cluster with its own CA give its certificate (PEM) or "
                        + "its SHA-256 fingerprint");
        return "the server's TLS certificate is not trusted (" + oneLine(String.valueOf(innermost.getMessage()))
                + "), checked against " + trustedBy;
    }

    /** The start of the body of a failed answer, when it was kept and is text (a proxy's error page, say). */
    private static Optional<String> answerText(TransportException e) {
        try {
            BinaryData body = e.response() == null ? null : e.response().body();
            if (body == null) {
                return Optional.empty();
            }
            String text = oneLine(StandardCharsets.UTF_8.decode(body.asByteBuffer()).toString()
                    .replaceAll("<[^>]*>", " "));
            return Optional.of(text.length() > 200 ? text.substring(0, 200) + "..." : text).filter(t -> !t.isEmpty());
        } catch (IOException | RuntimeException unreadable) {
            return Optional.empty();
        }
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
        for (String secret : secrets) {
            result = result.replace(secret, "***");
        }
        return result;
    }

    private static String oneLine(String text) {
        return text.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }
}
